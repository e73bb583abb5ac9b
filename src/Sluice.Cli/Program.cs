using Sluice.Cli;

var app = new CliApp(Console.Out, Console.Error, Console.OpenStandardInput());
return await app.RunAsync(args).ConfigureAwait(false);
