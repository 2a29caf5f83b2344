namespace CemCore.Tests.Journeys;

/// <summary>Temporary SQLite database files of a test class, deleted (with their WAL and SHM files) on dispose.</summary>
internal sealed class TempDatabases : IDisposable
{
    private readonly List<string> _files = [];

    /// <summary>The store kinds the tests run on.</summary>
    public static TheoryData<string> Kinds => ["memory", "sqlite"];

    /// <summary>Returns a new file path in the temp folder (the file is created on first use).</summary>
    public string NewPath(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N") + ".db");
        _files.Add(path);
        return path;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in _files)
        {
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                File.Delete(f + suffix);
            }
        }
    }
}
