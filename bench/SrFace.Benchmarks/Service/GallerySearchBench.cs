using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Npgsql;
using Pgvector;
using Spectre.Console;
using SrFace.Recognition;

namespace SrFace.Benchmarks.Service;

/// <summary>
/// <c>gallery [--sizes 1000,100000,1000000] [--dim 128] [--queries 200] [--postgres URL]</c>: identify latency and
/// throughput against gallery size for SQLite (exact) and PostgreSQL + pgvector (HNSW), with recall@1 of HNSW against
/// the exact answer, on synthetic unit embeddings. Galleries are bulk-loaded (one transaction / binary COPY, the HNSW
/// index built after the load), then queried through the stores' own search.
/// </summary>
internal static class GallerySearchBench
{
    public static int Run(IReadOnlyList<string> args)
    {
        var a = new ServiceArguments(args);
        var sizes = a.Ints("sizes", [1000, 100_000, 1_000_000]);
        var dim = a.Int("dim", 128);
        var queries = a.Int("queries", 200);
        var url = a.Get("postgres") ?? ReadUrlFile();
        var folder = Directory.CreateTempSubdirectory("srface-bench-").FullName;
        var table = new Table().Title($"identify, top-1, D = {dim}, {queries} queries per row (near: a noisy copy of an enrolled template, cosine about 0.78; random: any unit vector)")
            .AddColumns("gallery size", "store", "load s", "p50 ms", "p99 ms", "queries/s", "recall@1 near", "recall@1 random");
        foreach (var size in sizes)
        {
            var random = new Random(size);
            var templates = Enumerable.Range(0, size).Select(_ => RandomUnit(random, dim)).ToArray();
            var near = Enumerable.Range(0, queries).Select(_ => Noisy(random, templates[random.Next(size)], 0.8f)).ToArray();
            var far = Enumerable.Range(0, queries).Select(_ => RandomUnit(random, dim)).ToArray();
            Progress($"{size}: loading SQLite");
            var sqlitePath = Path.Combine(folder, $"g{size}.db");
            var load = Stopwatch.StartNew();
            LoadSqlite(sqlitePath, templates, dim);
            var sqliteLoad = load.Elapsed.TotalSeconds;
            using var exact = FaceGallery.Open(sqlitePath);
            exact.Identify(near[0], 1, -1); // loads the templates into memory
            var (exactNear, exactTimes) = Query(exact, near);
            var (exactFar, _) = Query(exact, far);
            table.AddRow(Row(size, "SQLite exact", sqliteLoad, exactTimes, "1 (reference)", "1 (reference)"));
            File.Delete(sqlitePath);
            if (url is null)
            {
                table.AddRow($"{size:N0}", "pgvector HNSW", "no PostgreSQL (run scripts/postgres.sh or pass --postgres URL)", "", "", "", "", "");
                continue;
            }
            Progress($"{size}: loading PostgreSQL and building the HNSW index");
            var name = $"bench{size}-{Environment.ProcessId}";
            using var database = PostgresGalleryDatabase.Connect(GalleryAddress.Parse(url));
            load.Restart();
            LoadPostgres(database, url, name, templates, dim);
            var pgLoad = load.Elapsed.TotalSeconds;
            try
            {
                using var hnsw = new FaceGallery(database.OpenGallery(name));
                Query(hnsw, near.Take(10).ToArray()); // warm the index pages
                var (hnswNear, hnswTimes) = Query(hnsw, near);
                var (hnswFar, _) = Query(hnsw, far);
                table.AddRow(Row(size, "pgvector HNSW", pgLoad, hnswTimes, Recall(hnswNear, exactNear), Recall(hnswFar, exactFar)));
            }
            finally
            {
                database.DropGallery(name);
            }
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static string[] Row(int size, string store, double loadSeconds, List<double> times, string nearRecall, string farRecall)
    {
        times.Sort();
        var mean = times.Average();
        return [$"{size:N0}", store, $"{loadSeconds:F1}", $"{ServiceArguments.Percentile(times, 0.5):F2}", $"{ServiceArguments.Percentile(times, 0.99):F2}", $"{1000 / mean:F0}", nearRecall, farRecall];
    }

    private static string Recall(string?[] found, string?[] truth) => $"{found.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length:F3}";

    private static (string?[] Top1, List<double> Milliseconds) Query(FaceGallery gallery, float[][] probes)
    {
        var top = new string?[probes.Length];
        var times = new List<double>(probes.Length);
        for (var i = 0; i < probes.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            top[i] = gallery.Identify(probes[i], 1, -1).Candidates.FirstOrDefault().Identity;
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return (top, times);
    }

    private static void LoadSqlite(string path, float[][] templates, int dim)
    {
        FaceGallery.Create(path, "bench", dim).Dispose();
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var tx = c.BeginTransaction();
        using var identity = c.CreateCommand();
        identity.CommandText = "INSERT INTO identities(id, name, template, image_count, updated_utc) VALUES ($id, $n, $t, 1, '')";
        var pid = identity.Parameters.Add("$id", SqliteType.Integer);
        var pn = identity.Parameters.Add("$n", SqliteType.Text);
        var pt = identity.Parameters.Add("$t", SqliteType.Blob);
        using var embedding = c.CreateCommand();
        embedding.CommandText = "INSERT INTO embeddings(identity_id, source, vector) VALUES ($id, 'synthetic', $t)";
        var eid = embedding.Parameters.Add("$id", SqliteType.Integer);
        var et = embedding.Parameters.Add("$t", SqliteType.Blob);
        for (var i = 0; i < templates.Length; i++)
        {
            var blob = MemoryMarshal.AsBytes(templates[i].AsSpan()).ToArray();
            (pid.Value, pn.Value, pt.Value) = (i + 1, $"id{i:D7}", blob);
            identity.ExecuteNonQuery();
            (eid.Value, et.Value) = (i + 1, blob);
            embedding.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static void LoadPostgres(PostgresGalleryDatabase database, string url, string name, float[][] templates, int dim)
    {
        database.CreateGallery(name, "bench", dim).Dispose();
        var builder = new NpgsqlDataSourceBuilder(GalleryAddress.Parse(url).Target);
        builder.UseVector();
        using var source = builder.Build();
        using var c = source.OpenConnection();
        long id;
        using (var cmd = new NpgsqlCommand("SELECT id FROM srface_galleries WHERE name = @n", c))
        {
            cmd.Parameters.AddWithValue("n", name);
            id = (long)cmd.ExecuteScalar()!;
        }
        // Load without the index, then build it once (much faster than inserting into HNSW row by row).
        using (var drop = new NpgsqlCommand($"DROP INDEX {PostgresGallerySchema.IndexName(id)}", c)) drop.ExecuteNonQuery();
        using (var writer = c.BeginBinaryImport("COPY srface_identities (gallery_id, name, template, image_count) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < templates.Length; i++)
            {
                writer.StartRow();
                writer.Write(id);
                writer.Write($"id{i:D7}");
                writer.Write(new Vector(templates[i]));
                writer.Write(1);
            }
            writer.Complete();
        }
        using (var memory = new NpgsqlCommand("SET maintenance_work_mem = '1GB'", c)) memory.ExecuteNonQuery();
        using (var index = new NpgsqlCommand(PostgresGallerySchema.CreateIndex(id, dim), c) { CommandTimeout = 0 }) index.ExecuteNonQuery();
        using (var analyze = new NpgsqlCommand("ANALYZE srface_identities", c) { CommandTimeout = 0 }) analyze.ExecuteNonQuery();
    }

    private static float[] RandomUnit(Random random, int dim)
    {
        var v = new float[dim];
        for (var i = 0; i < dim; i++) v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        var n = (float)Math.Sqrt(v.Sum(x => (double)x * x));
        for (var i = 0; i < dim; i++) v[i] /= n;
        return v;
    }

    /// <summary>The template plus a random direction of length <paramref name="scale"/> (nearly orthogonal in high D: cosine about 1/sqrt(1+scale^2)), renormalised.</summary>
    private static float[] Noisy(Random random, float[] template, float scale)
    {
        var noise = RandomUnit(random, template.Length);
        var v = template.Select((x, i) => x + scale * noise[i]).ToArray();
        var n = (float)Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => x / n).ToArray();
    }

    private static string? ReadUrlFile()
    {
        var file = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "srface", "postgres-test.url");
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }

    private static void Progress(string message) => AnsiConsole.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss} {Markup.Escape(message)}[/]");
}
