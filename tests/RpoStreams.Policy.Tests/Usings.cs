global using NodaTime;
global using RpoStreams.Policy.Subjects;
global using RpoStreams.Records;
