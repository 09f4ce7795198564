namespace RpoStreams.Topology.Tests;
