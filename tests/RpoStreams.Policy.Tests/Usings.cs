namespace RpoStreams.Policy.Tests;
