namespace RpoStreams.Fault.Tests;
