using SrFace.Server;

// SrFace.Server on its own: `dotnet SrFace.Server.dll --model M [--gallery G] [--urls U] [--api-key-file F]` (the same
// server as `srface serve`). Options come from the command line, SRFACE_ environment variables or appsettings.
SrFace.Runtime.NativeHeap.KeepFreedBlocks(); // before any tensor: freed activation buffers stay in the process for reuse
return await ServerApp.RunAsync(args);
