using System.Text.RegularExpressions;

namespace Sluice.Core.Tests;

/// <summary>The README's C# embedding snippets are the sample programs under samples/, which ./test.sh builds and runs.</summary>
public partial class ReadmeSamplesTests
{
    [Fact]
    public void Readme_EmbeddingCodeBlocks_AppearVerbatimInTheSamples()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var start = readme.IndexOf("## Embedding\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Embedding' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        var samples = Directory.GetFiles(Path.Combine(root, "samples"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();

        var blocks = CSharpBlock().Matches(section).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(2, blocks.Count);
        Assert.All(blocks, block => Assert.Contains(samples, source => source.Contains(block, StringComparison.Ordinal)));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sluice.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
