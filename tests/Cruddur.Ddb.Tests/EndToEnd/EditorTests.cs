using System.Text.Json.Nodes;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// The scripts in an editor: ./bin/ddb/build --editor on a fresh copy, then a real Roslyn language server
/// (csharp-ls, from NuGet) opened at the repository's root as an editor opens it, asked over LSP for the
/// errors of every script and of lib and test files, and for hovers on SDK and lib types.
/// </summary>
public sealed class EditorTests
{
    const string Version = "0.28.0";

    /// <summary>csharp-ls as a dotnet tool in the user's cache, installed from NuGet the first time.</summary>
    static string CsharpLs()
    {
        var dir = Path.Combine(Repo.Cache, $"csharp-ls-{Version}");
        var tool = Path.Combine(dir, "csharp-ls");
        if (!File.Exists(tool))
        {
            var r = Repo.Exec(Scripts.Command("dotnet", ["tool", "install", "--tool-path", dir, "csharp-ls", "--version", Version]), timeout: TimeSpan.FromMinutes(5));
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        return tool;
    }

    static (int Line, int Character) Position(string text, string word)
    {
        var at = text.IndexOf(word, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{word}' is not in the file");
        return (text[..at].Count(c => c == '\n'), at - (text.LastIndexOf('\n', at) + 1));
    }

    static JsonObject Doc(string uri) => new() { ["uri"] = uri };

    [Fact]
    public async Task A_language_server_at_the_root_analyses_every_script_with_hovers_and_reports_an_error_typed_into_one()
    {
        var tool = CsharpLs();
        var copy = Repo.FreshCopy("cruddur-editor-");
        try
        {
            // a clone: the solution goes to the repository's root, with the repository's own projects (the tests)
            foreach (var git in new[] { new[] { "init", "-q", "." }, ["add", "-A"], ["-c", "user.email=dev@example.com", "-c", "user.name=dev", "commit", "-q", "-m", "clone"] })
                Assert.Equal(0, Repo.Exec(new System.Diagnostics.ProcessStartInfo("git", git) { WorkingDirectory = copy }).ExitCode);
            var build = Repo.Exec(Scripts.Command(Path.Combine(copy, "bin", "ddb", "build"), ["--editor"], null, copy), timeout: TimeSpan.FromMinutes(5));
            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.True(File.Exists(Path.Combine(copy, "cruddur-ddb.sln")));

            using var server = new LanguageServer(tool, copy, new Dictionary<string, string?>());
            var root = "file://" + copy;
            await server.Request("initialize", new JsonObject
            {
                ["processId"] = Environment.ProcessId, ["rootUri"] = root, ["rootPath"] = copy,
                ["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = root, ["name"] = "cruddur" }),
                ["capabilities"] = new JsonObject
                {
                    ["textDocument"] = new JsonObject
                    {
                        ["diagnostic"] = new JsonObject { ["dynamicRegistration"] = false },
                        ["hover"] = new JsonObject { ["contentFormat"] = new JsonArray("markdown", "plaintext") },
                        ["synchronization"] = new JsonObject { ["didSave"] = true },
                    },
                    ["workspace"] = new JsonObject { ["workspaceFolders"] = true, ["configuration"] = true },
                },
            }, TimeSpan.FromMinutes(2));
            server.Notify("initialized", new JsonObject());

            var files = Scripts.All.Select(s => Path.Combine(copy, "bin", "ddb", s))
                .Concat([Path.Combine(copy, "bin", "ddb", "lib", "aws", "Context.cs"), Path.Combine(copy, "bin", "ddb", "lib", "data", "Seed.cs"),
                    Path.Combine(copy, "tests", "Cruddur.Ddb.Tests", "Unit", "CliTests.cs")]).ToList();
            foreach (var f in files)
                server.Notify("textDocument/didOpen", new JsonObject
                {
                    ["textDocument"] = new JsonObject { ["uri"] = "file://" + f, ["languageId"] = "csharp", ["version"] = 1, ["text"] = File.ReadAllText(f) },
                });

            var listTables = Path.Combine(copy, "bin", "ddb", "list-tables");
            var text = File.ReadAllText(listTables);
            async Task<string> Hover(string file, string word)
            {
                var (line, character) = Position(File.ReadAllText(file), word);
                var hover = await server.Request("textDocument/hover", new JsonObject
                {
                    ["textDocument"] = Doc("file://" + file), ["position"] = new JsonObject { ["line"] = line, ["character"] = character + 1 },
                });
                return hover?["contents"]?.ToJsonString() ?? "";
            }
            // the solution loads in the background: the first hover that resolves says it is ready; drop's
            // `var table` is the SDK's TableDescription, which the script knows only through its package
            var drop = Path.Combine(copy, "bin", "ddb", "drop");
            var deadline = DateTime.UtcNow.AddMinutes(3);
            var sdkHover = "";
            while (!sdkHover.Contains("TableDescription") && DateTime.UtcNow < deadline)
            {
                sdkHover = await Hover(drop, "table = await");
                if (!sdkHover.Contains("TableDescription")) await Task.Delay(1000);
            }
            Assert.True(sdkHover.Contains("TableDescription"), $"no hover on an SDK type:\n{sdkHover}\n{server.Log}");
            Assert.Contains("Cli", await Hover(listTables, "Cli.Run"));

            foreach (var f in files)
            {
                var diagnostics = await server.Request("textDocument/diagnostic", new JsonObject { ["textDocument"] = Doc("file://" + f) }, TimeSpan.FromMinutes(2));
                var errors = (diagnostics?["items"]?.AsArray() ?? []).Where(d => d?["severity"]?.GetValue<int>() == 1).Select(d => d!.ToJsonString()).ToList();
                Assert.True(errors.Count == 0, $"{Path.GetRelativePath(copy, f)}:\n{string.Join('\n', errors)}");
            }

            // an error typed into a script is reported: the script is really analysed
            server.Notify("textDocument/didChange", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = "file://" + listTables, ["version"] = 2 },
                ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = text + "\nint broken = \"not a number\";\n" }),
            });
            var found = "";
            deadline = DateTime.UtcNow.AddMinutes(1);
            while (!found.Contains("CS0029") && DateTime.UtcNow < deadline)
            {
                found = (await server.Request("textDocument/diagnostic", new JsonObject { ["textDocument"] = Doc("file://" + listTables) }))?.ToJsonString() ?? "";
                if (!found.Contains("CS0029")) await Task.Delay(500);
            }
            Assert.Contains("CS0029", found);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}

/// <summary>
/// Editor settings reach every file they are for: .editorconfig's C# rules every script (found by its
/// shebang) and every .cs file at any depth, as the reference EditorConfig implementation (npm
/// editorconfig) reads them; VS Code's files.associations open every script as C#.
/// </summary>
public sealed class EditorSettingsTests
{
    static readonly string[] Helpers = ["local", "build", "workspace"];

    [Fact]
    public void Editorconfig_gives_every_script_and_every_cs_file_the_csharp_rules_and_the_bash_helpers_theirs()
    {
        var dir = Path.Combine(Repo.Cache, "editorconfig-3.0.2");
        if (!File.Exists(Path.Combine(dir, "node_modules", "editorconfig", "package.json")))
        {
            var install = Repo.Exec(Scripts.Command("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "editorconfig@3.0.2"]), timeout: TimeSpan.FromMinutes(5));
            Assert.True(install.ExitCode == 0, install.ToString());
        }
        var csharp = Scripts.All.Select(s => Path.Combine("bin", "ddb", s))
            .Concat(Directory.GetFiles(Repo.Path_("bin", "ddb", "lib"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/bin/") && !f.Contains("/obj/")).Select(f => Path.GetRelativePath(Repo.Root, f)))
            .Concat(Directory.GetFiles(Repo.Path_("tests"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/bin/") && !f.Contains("/obj/")).Select(f => Path.GetRelativePath(Repo.Root, f))).ToList();
        var bash = Helpers.Select(h => Path.Combine("bin", "ddb", h)).ToList();
        var script = "const ec = require(process.argv[1] + '/node_modules/editorconfig');"
            + "for (const f of process.argv.slice(2)) console.log(f + ' ' + JSON.stringify(ec.parseSync(f)));";

        var r = Repo.Exec(Scripts.Command("node", ["-e", script, dir, .. csharp.Concat(bash).Select(f => Path.Combine(Repo.Root, f))]));

        Assert.True(r.ExitCode == 0, r.ToString());
        var properties = r.StdoutLines.ToDictionary(l => Path.GetRelativePath(Repo.Root, l[..l.IndexOf(' ')]), l => System.Text.Json.JsonDocument.Parse(l[(l.IndexOf(' ') + 1)..]).RootElement);
        Assert.All(csharp, f => Assert.True(properties[f].TryGetProperty("csharp_style_var_elsewhere", out _), $"{f} gets no C# rules"));
        Assert.All(bash, f => Assert.Equal("2", properties[f].GetProperty("indent_size").ToString()));
    }

    /// <summary>A VS Code glob as a regular expression: **/ any folders, * within one, {a,b} either.</summary>
    static System.Text.RegularExpressions.Regex Glob(string glob) => new("^" + System.Text.RegularExpressions.Regex.Escape(glob)
        .Replace(@"\*\*/", "(.*/)?").Replace(@"\*", "[^/]*").Replace(@"\{", "(").Replace(@"}", ")").Replace(",", "|") + "$");

    [Fact]
    public void Vs_code_opens_every_script_as_csharp_and_the_bash_helpers_as_shell()
    {
        var associations = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Repo.Path_(".vscode", "settings.json")))
            .RootElement.GetProperty("files.associations").EnumerateObject().Select(p => (Glob: Glob(p.Name), Language: p.Value.GetString())).ToList();
        string? Language(string path) => associations.FirstOrDefault(a => a.Glob.IsMatch(path)).Language;

        Assert.All(Scripts.All, s => Assert.Equal("csharp", Language($"bin/ddb/{s}")));
        Assert.All(Helpers, h => Assert.Equal("shellscript", Language($"bin/ddb/{h}")));
    }
}
