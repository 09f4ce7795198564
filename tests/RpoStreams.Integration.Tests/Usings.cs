namespace RpoStreams.Integration.Tests;
