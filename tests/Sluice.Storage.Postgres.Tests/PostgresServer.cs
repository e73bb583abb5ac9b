using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Sluice.Storage.Postgres.Tests;

/// <summary>
/// The PostgreSQL server the tests of this assembly share (one per test run, through <see cref="SharedPostgresServer"/>):
/// the server named by <see cref="EnvironmentVariable"/> when it is set, otherwise a throwaway server started from the
/// machine's binaries (<c>initdb</c> and <c>pg_ctl</c> on the PATH, or Debian's under <c>/usr/lib/postgresql/*/bin</c>)
/// in a temporary directory, on a free port on 127.0.0.1, and stopped (and its directory deleted) at the end. As root,
/// where <c>initdb</c> refuses to run, the server runs as the <c>postgres</c> user, which owns its directory. Each test
/// gets its own database (<see cref="CreateDatabaseAsync"/>), so tests are independent.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>
    /// An environment variable holding the connection string of an existing server to use instead of starting one
    /// (a user allowed to create databases; the tests create and drop one database per test).
    /// </summary>
    public const string EnvironmentVariable = "SLUICE_TEST_POSTGRES";

    private const string ServiceUser = "postgres";

    private string? _directory;
    private string? _pgCtl;
    private string? _startOptions;
    private bool _asServiceUser;

    /// <summary>The connection string of the server's maintenance database (postgres).</summary>
    public string AdminConnectionString { get; private set; } = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } existing)
        {
            AdminConnectionString = existing;
            return;
        }

        var bin = FindBinaries();
        _pgCtl = Path.Combine(bin, "pg_ctl");
        _asServiceUser = Environment.IsPrivilegedProcess;
        if (_asServiceUser)
        {
            // Under /tmp, which every user can reach (a TMPDIR under root's home would not be).
            _directory = Path.Combine("/tmp", "sluice-postgres-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_directory);
            await RunAsync("chown", [ServiceUser, _directory], asServiceUser: false);
        }
        else
        {
            _directory = Directory.CreateTempSubdirectory("sluice-postgres-").FullName;
        }

        var data = Path.Combine(_directory, "data");
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", ServiceUser, "-A", "trust", "-E", "UTF8", "--no-sync"], _asServiceUser);

        // A free port can be taken by another process between the probe and the start: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var options = string.Create(CultureInfo.InvariantCulture,
                $"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300");
            try
            {
                await RunAsync(_pgCtl, ["-D", data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "-o", options, "start"], _asServiceUser);
                _startOptions = options;
                AdminConnectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = ServiceUser,
                    Database = "postgres",
                }.ConnectionString;
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Port taken: try another.
            }
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_directory is null || _pgCtl is null)
        {
            return;
        }

        try
        {
            await RunAsync(_pgCtl, ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"], _asServiceUser);
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>
    /// Stops the throwaway server as an operator would (<c>pg_ctl stop -m fast</c>: open sessions are ended, clients see
    /// their connections refused) and returns once it is down. <see cref="StartAgainAsync"/> starts it again on the same
    /// port and data.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is the one of <see cref="EnvironmentVariable"/> (not this fixture's to stop).</exception>
    public async Task StopAsync()
    {
        var (pgCtl, directory) = OwnServer();
        await RunAsync(pgCtl, ["-D", Path.Combine(directory, "data"), "-m", "fast", "-w", "-t", "60", "stop"], _asServiceUser);
    }

    /// <summary>Starts the server <see cref="StopAsync"/> stopped, on the same port and data, and returns once it accepts connections.</summary>
    /// <exception cref="InvalidOperationException">The server is the one of <see cref="EnvironmentVariable"/>.</exception>
    public async Task StartAgainAsync()
    {
        var (pgCtl, directory) = OwnServer();
        await RunAsync(pgCtl, ["-D", Path.Combine(directory, "data"), "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "-o", _startOptions!, "start"], _asServiceUser);
        // This process's pooled connections died with the server.
        NpgsqlConnection.ClearAllPools();
    }

    private (string PgCtl, string Directory) OwnServer() =>
        _pgCtl is { } pgCtl && _directory is { } directory && _startOptions is not null
            ? (pgCtl, directory)
            : throw new InvalidOperationException(
                $"this test stops and starts PostgreSQL, which it can do only to the throwaway server it started: unset {EnvironmentVariable}");

    /// <summary>Creates a new empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "sluice_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>The directory of <c>initdb</c> and <c>pg_ctl</c>: the PATH's, else the newest of Debian's.</summary>
    private static string FindBinaries()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }

        const string debian = "/usr/lib/postgresql";
        var versions = Directory.Exists(debian)
            ? Directory.GetDirectories(debian)
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")) && int.TryParse(Path.GetFileName(d), out _))
                .OrderByDescending(d => int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture))
                .ToList()
            : [];
        return versions.Count > 0
            ? Path.Combine(versions[0], "bin")
            : throw new InvalidOperationException(
                "no PostgreSQL binaries found (initdb and pg_ctl on the PATH or under /usr/lib/postgresql/<version>/bin): " +
                $"install Debian's postgresql package, or set {EnvironmentVariable} to the connection string of a server to use");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a program to its end (as the <c>postgres</c> user when asked) and fails with its output when it fails.</summary>
    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asServiceUser)
    {
        var start = new ProcessStartInfo(asServiceUser ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/", // a directory the postgres user can enter
        };
        if (asServiceUser)
        {
            foreach (var a in (string[])["-u", ServiceUser, "--", program])
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stdout}{await stderr}");
        }
    }
}

/// <summary>The test collection that shares one <see cref="PostgresServer"/> for the test run.</summary>
[CollectionDefinition(Name)]
public sealed class SharedPostgresServer : ICollectionFixture<PostgresServer>
{
    /// <summary>The collection's name, for <c>[Collection(SharedPostgresServer.Name)]</c>.</summary>
    public const string Name = "postgres";
}
