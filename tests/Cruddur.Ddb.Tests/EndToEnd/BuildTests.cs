namespace Cruddur.Ddb.Tests;

/// <summary>bin/ddb/build on a fresh copy: precompiled when the Crossgen2 pack is there, plain IL (said once) when it cannot be had.</summary>
public sealed class BuildTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    [Fact]
    public void Without_the_crossgen2_pack_and_no_way_to_fetch_it_the_scripts_build_as_il_and_work()
    {
        var copy = Repo.FreshCopy("cruddur-build-");
        // A NuGet folder with every package this machine has except the Crossgen2 pack, and no source to fetch it from.
        var real = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } n ? n
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var packages = Directory.CreateDirectory(Path.Combine(copy, "nuget")).FullName;
        foreach (var dir in Directory.GetDirectories(real).Where(d => !Path.GetFileName(d).StartsWith("microsoft.netcore.app.crossgen2")))
            File.CreateSymbolicLink(Path.Combine(packages, Path.GetFileName(dir)), dir);
        var env = Env();
        env["NUGET_PACKAGES"] = packages;
        env["RestoreSources"] = Path.Combine(copy, "no-such-source");
        env["XDG_DATA_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "xdg")).FullName; // a build cache of its own
        env["XDG_CACHE_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "cache")).FullName;
        try
        {
            var build = Repo.Exec(Scripts.Command(Path.Combine(copy, "bin", "ddb", "build"), ["list-tables", "schema-load"], env, copy),
                timeout: TimeSpan.FromMinutes(5));
            var run = Repo.Exec(Scripts.Command(Path.Combine(copy, "bin", "ddb", "list-tables"), ["--json"], env, copy));

            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.Single(build.StderrLines, l => l.Contains("could not be restored: the scripts run as plain IL"));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.False(Directory.Exists(Path.Combine(copy, "cache", "cruddur-ddb", "r2r")), "nothing was precompiled");
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void With_the_pack_package_images_are_compiled_once_into_the_shared_cache()
    {
        var copy = Repo.FreshCopy("cruddur-build-");
        var env = Env();
        env["XDG_DATA_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "xdg")).FullName;
        env["XDG_CACHE_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "cache")).FullName;
        try
        {
            var build = Repo.Exec(Scripts.Command(Path.Combine(copy, "bin", "ddb", "build"), ["list-tables", "describe-table"], env, copy),
                timeout: TimeSpan.FromMinutes(5));
            var run = Repo.Exec(Scripts.Command(Path.Combine(copy, "bin", "ddb", "list-tables"), ["--json"], env, copy));

            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.True(run.ExitCode == 0, run.ToString());
            var images = Directory.GetFiles(Path.Combine(copy, "cache", "cruddur-ddb", "r2r"), "*.dll", SearchOption.AllDirectories);
            Assert.Contains(images, i => Path.GetFileName(i) == "AWSSDK.DynamoDBv2.dll");
            Assert.Equal(images.Length, images.Select(Path.GetFileName).Distinct().Count()); // one image of each, shared
            Assert.Empty(Directory.GetFiles(Path.Combine(copy, "cache"), "*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
