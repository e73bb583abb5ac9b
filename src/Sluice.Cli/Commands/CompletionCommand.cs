using System.CommandLine;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice completion bash|zsh|pwsh</c>: prints a shell script that completes <c>sluice</c> command lines. The
/// scripts hold no knowledge of the verbs: they ask <c>sluice</c> itself through System.CommandLine's
/// <c>[suggest:POSITION] "COMMAND LINE"</c> directive, which prints one completion per line.
/// </summary>
internal static class CompletionCommand
{
    /// <summary>The shells a script is printed for.</summary>
    public static readonly string[] Shells = ["bash", "zsh", "pwsh"];

    public static Command Create(CliContext context)
    {
        var shell = new Argument<string>("shell") { Description = "The shell: bash, zsh or pwsh" };
        shell.CompletionSources.Add(Shells);
        shell.Validators.Add(r => { foreach (var t in r.Tokens.Where(t => !Shells.Contains(t.Value))) r.AddError($"shell '{t.Value}' is invalid: use {string.Join(", ", Shells)}"); });
        // How to load each script is in its first line and in docs/cli.md.
        var command = new Command("completion", "Print a shell completion script: source <(sluice completion bash)") { shell };
        command.SetAction(async (parseResult, ct) =>
        {
            await context.Output.WriteAsync(Script(parseResult.GetRequiredValue(shell))).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>The completion script for <paramref name="shell"/> (one of <see cref="Shells"/>).</summary>
    internal static string Script(string shell) => shell switch
    {
        "bash" => """
            # sluice completion for bash: source <(sluice completion bash)
            _sluice_complete() {
                local IFS=$'\n'
                COMPREPLY=( $(compgen -W "$(sluice "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
            }
            complete -o default -F _sluice_complete sluice

            """,
        "zsh" => """
            # sluice completion for zsh: source <(sluice completion zsh)
            _sluice_complete() {
                local -a completions
                completions=("${(@f)$(sluice "[suggest:${#BUFFER}]" "${BUFFER}" 2>/dev/null)}")
                compadd -a completions
            }
            compdef _sluice_complete sluice

            """,
        "pwsh" => """
            # sluice completion for PowerShell: sluice completion pwsh | Out-String | Invoke-Expression
            Register-ArgumentCompleter -Native -CommandName sluice -ScriptBlock {
                param($wordToComplete, $commandAst, $cursorPosition)
                sluice "[suggest:$cursorPosition]" "$commandAst" 2>$null | ForEach-Object {
                    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
                }
            }

            """,
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "use bash, zsh or pwsh"),
    };
}
