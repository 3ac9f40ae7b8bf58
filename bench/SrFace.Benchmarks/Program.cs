// Benchmarks: run with `dotnet run -c Release --project bench/SrFace.Benchmarks -- <name>`.
Console.WriteLine("SrFace benchmarks: none registered yet.");
