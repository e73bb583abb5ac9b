using System.CommandLine;
using System.Globalization;
using Sluice.Cli.Http;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice auth key create|list|revoke</c>: API keys (<c>/v1/auth/keys</c>; docs/security.md). Needs an admin key.</summary>
internal static class AuthCommands
{
    public static Command Create(CliContext context)
    {
        var auth = context.ClientCommand("auth", "Manage API keys (needs an admin key).");
        var key = CliContext.Verb("key", "Create, list and revoke API keys.");
        key.Subcommands.Add(CreateCreate(context));
        key.Subcommands.Add(CreateList(context));
        key.Subcommands.Add(CreateRevoke(context));
        auth.Subcommands.Add(key);
        return auth;
    }

    private static Command CreateCreate(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "A readable name for the key (shown in listings and the audit log)" };
        var grant = new Option<string[]>("--grant")
        {
            Description = "A grant PATTERN:PERMISSIONS, such as orders-*:publish,consume or *:all (permissions publish, consume, admin, all); repeat for more [default: *:all]",
            HelpName = "PATTERN:PERMS",
            AllowMultipleArgumentsPerToken = false,
        };
        var sigV4 = new Option<bool>("--sigv4") { Description = "Also create a SigV4 key pair for SQS clients (access key id = the key's id)" };
        var command = CliContext.Verb("create", "Create an API key and print it (shown only this once).", name, grant, sigV4);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var grants = parseResult.GetValue(grant) is { Length: > 0 } given ? given : ["*:all"];
            var created = await client.CreateApiKeyAsync(parseResult.GetRequiredValue(name), grants, parseResult.GetValue(sigV4), ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(created, AuthCliJson.Default.CreatedApiKey).ConfigureAwait(false);
                return 0;
            }

            await context.Output.WriteLineAsync(created.ApiKey).ConfigureAwait(false);
            await context.Error.WriteLineAsync(
                $"created key {created.Key.Id} '{created.Key.Name}' ({string.Join(' ', created.Key.Grants)}); the key above is shown only this once").ConfigureAwait(false);
            if (created.AccessKeyId is not null)
            {
                await context.Output.WriteLineAsync($"aws_access_key_id = {created.AccessKeyId}").ConfigureAwait(false);
                await context.Output.WriteLineAsync($"aws_secret_access_key = {created.SecretAccessKey}").ConfigureAwait(false);
            }

            return 0;
        }, ct));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var command = CliContext.Verb("list", "List API keys with their grants (never their secrets).");
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var keys = await client.ListApiKeysAsync(ct).ConfigureAwait(false);
            if (context.Json(parseResult))
            {
                await context.WriteJsonAsync(new Server.Security.ApiKeyList(keys), AuthCliJson.Default.ApiKeyList).ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumn("id").AddColumn("name").AddColumn("grants").AddColumn("created").AddColumn("sigv4").AddColumn("state");
            foreach (var k in keys)
            {
                table.AddRow(Format.Cell(k.Id), Format.Cell(k.Name), Format.Cell(string.Join(' ', k.Grants)),
                    Format.Cell(k.CreatedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)), k.SigV4 ? "yes" : "no",
                    k.Revoked ? "revoked" : "active");
            }

            context.CreateConsole().Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateRevoke(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The key's id (from 'sluice auth key list')" };
        var command = CliContext.Verb("revoke", "Revoke an API key: it authenticates nothing from now on.", id);
        command.SetAction((parseResult, ct) => context.RunAsync(parseResult, async client =>
        {
            var revoked = await client.RevokeApiKeyAsync(parseResult.GetRequiredValue(id), ct).ConfigureAwait(false);
            if (context.Json(parseResult))
                await context.WriteJsonAsync(revoked, AuthCliJson.Default.ApiKeyInfo).ConfigureAwait(false);
            else
                await context.Output.WriteLineAsync($"key {revoked.Id} '{revoked.Name}' is revoked").ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }
}
