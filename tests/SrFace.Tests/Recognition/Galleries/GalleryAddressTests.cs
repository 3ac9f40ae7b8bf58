using SrFace.Recognition;

namespace SrFace.Tests.Recognition.Galleries;

public class GalleryAddressTests
{
    [Fact]
    public void Plain_paths_and_sqlite_prefixes_are_sqlite_files()
    {
        var plain = GalleryAddress.Parse("some/g.db");
        Assert.Equal((GalleryBackend.Sqlite, Path.GetFullPath("some/g.db")), (plain.Backend, plain.Target));
        Assert.Equal(Path.GetFullPath("g.db"), GalleryAddress.Parse("sqlite:g.db").Target);
        Assert.Equal("/tmp/x/g.db", GalleryAddress.Parse("sqlite:///tmp/x/g.db").Target);
        Assert.Equal("/tmp/x/g.db", GalleryAddress.Parse("SQLITE:/tmp/x/g.db").Target);
    }

    [Fact]
    public void Postgres_urls_become_npgsql_settings_and_never_show_the_password()
    {
        var a = GalleryAddress.Parse("postgres://alice:s%40cret@db.example:6543/faces?gallery=lobby&sslmode=disable&timeout=7");
        Assert.Equal((GalleryBackend.Postgres, "lobby"), (a.Backend, a.GalleryName));
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(a.Target);
        Assert.Equal(("db.example", 6543, "faces", "alice", "s@cret", 7), (settings.Host, settings.Port, settings.Database, settings.Username, settings.Password, settings.Timeout));
        Assert.Equal(Npgsql.SslMode.Disable, settings.SslMode);
        Assert.DoesNotContain("cret", a.Display);
        Assert.DoesNotContain("cret", a.ToString());
        Assert.Equal("postgres://alice@db.example:6543/faces?gallery=lobby", a.Display);
        var b = GalleryAddress.Parse("postgresql://u@localhost/db");
        Assert.Equal((5432, (string?)null), (new Npgsql.NpgsqlConnectionStringBuilder(b.Target).Port, b.GalleryName));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("sqlite:")]
    [InlineData("mysql://u:p@h/db")]
    [InlineData("postgres://u:hunter2@h")]                      // no database
    [InlineData("postgres://u:hunter2@h/db?gallery=../etc")]    // bad gallery name
    [InlineData("postgres://u:hunter2@h/db?nosuchoption=1")]
    public void Malformed_addresses_are_refused_without_the_password(string address)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => GalleryAddress.Parse(address));
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Theory]
    [InlineData("default", true)]
    [InlineData("Lobby_2-east", true)]
    [InlineData("-x", false)]
    [InlineData("a/b", false)]
    [InlineData("..", false)]
    [InlineData("", false)]
    public void Gallery_names_are_safe_file_names(string name, bool valid) => Assert.Equal(valid, GalleryNames.IsValid(name));
}
