using SrFace.Server;

// SrFace.Server on its own: `dotnet SrFace.Server.dll --model M [--gallery G] [--urls U] [--api-key-file F]` (the same
// server as `srface serve`). Options come from the command line, SRFACE_ environment variables or appsettings.
return await ServerApp.RunAsync(args);
