using Sluice.Cli;

var app = new CliApp(Console.Out, Console.Error, Console.OpenStandardInput()) { InputIsTerminal = !Console.IsInputRedirected };
return await app.RunAsync(args).ConfigureAwait(false);
