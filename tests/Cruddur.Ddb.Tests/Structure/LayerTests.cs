namespace Cruddur.Ddb.Tests;

/// <summary>
/// bin/ddb/lib is layered, each folder a layer that only looks down (lib/README.md): each layer, compiled with
/// only the layers below it, builds. A reference to a layer above, or a file outside every layer, fails here.
/// </summary>
public sealed class LayerTests
{
    /// <summary>The layers, lowest first, as lib/README.md lists them.</summary>
    public static readonly string[] Layers = ["table", "aws", "data", "stream", "output", "cli"];

    static string Lib => Repo.Path_("bin", "ddb", "lib");

    [Fact]
    public void Every_lib_file_is_in_a_layer_and_the_readme_lists_them_in_order()
    {
        var outside = Directory.GetFiles(Lib, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Lib, f)).Where(f => !f.StartsWith("bin/") && !f.StartsWith("obj/"))
            .Where(f => !Layers.Contains(Path.GetDirectoryName(f))).ToList();
        Assert.Empty(outside);
        Assert.Equal(Layers.Order(), Directory.GetDirectories(Lib).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Order()!);
        var readme = File.ReadAllText(Path.Combine(Lib, "README.md"));
        Assert.Equal(Layers, Layers.OrderBy(l => readme.IndexOf($"`{l}/`", StringComparison.Ordinal)).Where(l => readme.Contains($"`{l}/`")));
    }

    public static TheoryData<string> Each => new(Layers);

    [Theory]
    [MemberData(nameof(Each))]
    public void A_layer_compiles_with_only_the_layers_below_it(string layer)
    {
        var dir = Directory.CreateTempSubdirectory("cruddur-layer-").FullName;
        try
        {
            // inside bin/ddb's Directory.* files' reach: the same settings and package versions as the scripts
            var project = Path.Combine(Lib, $"obj/layer-{layer}-{Path.GetFileName(dir)}.csproj");
            var upTo = Layers.Take(Array.IndexOf(Layers, layer) + 1);
            File.WriteAllText(project, $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
                    <BaseIntermediateOutputPath>{dir}/obj/</BaseIntermediateOutputPath>
                    <OutputPath>{dir}/bin/</OutputPath>
                    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                {string.Concat(upTo.Select(l => $"    <Compile Include=\"{Lib}/{l}/*.cs\" />\n"))}  </ItemGroup>
                  <ItemGroup>
                    <PackageReference Include="AWSSDK.DynamoDBv2" />
                    <PackageReference Include="System.CommandLine" />
                    <PackageReference Include="Npgsql" />
                  </ItemGroup>
                </Project>
                """);
            try
            {
                var r = Repo.Exec(Scripts.Command("dotnet", ["build", project, "-nologo", "-v", "q", "-clp:ErrorsOnly"]), timeout: TimeSpan.FromMinutes(5));
                Assert.True(r.ExitCode == 0, $"{layer} with {string.Join(", ", upTo.SkipLast(1))} below it:\n" + string.Join('\n',
                    r.Stdout.Split('\n').Where(l => l.Contains("error", StringComparison.Ordinal)).Select(l => l.Replace(Lib + "/", "")).Distinct()));
            }
            finally { File.Delete(project); }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
