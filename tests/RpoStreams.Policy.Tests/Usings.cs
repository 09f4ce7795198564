// Inside namespace RpoStreams.Policy.Tests the simple name `Policy` means the namespace
// RpoStreams.Policy, so the decision function gets an alias.
global using GatePolicy = RpoStreams.Gate.Policy.Policy;
global using NodaTime;
global using RpoStreams.Gate.Policy;
global using RpoStreams.Records;

namespace RpoStreams.Policy.Tests;
