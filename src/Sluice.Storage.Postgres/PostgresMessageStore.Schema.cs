using Npgsql;
using Sluice.Storage.Postgres.Internal;

namespace Sluice.Storage.Postgres;

public sealed partial class PostgresMessageStore
{
    /// <summary>
    /// The schema's migrations, in order: migration <c>i</c> takes the schema from version <c>i</c> to <c>i + 1</c>.
    /// A released migration is never edited; a change of the schema is a new one at the end.
    /// </summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE queues(
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL UNIQUE,
            options text NOT NULL,
            dead_letter_queue text,
            retention_ms bigint NOT NULL,
            created_at bigint NOT NULL);
        CREATE TABLE messages(
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            queue_id bigint NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
            id uuid NOT NULL,
            body bytea,
            body_id bigint,
            attributes bytea,
            priority integer NOT NULL,
            visible_at bigint NOT NULL,
            sent_at bigint NOT NULL,
            enqueued_at bigint NOT NULL,
            receive_count integer NOT NULL DEFAULT 0,
            first_receive_at bigint,
            leased boolean NOT NULL DEFAULT false,
            leased_at bigint,
            lease_gen integer NOT NULL DEFAULT 0,
            dedup_id text,
            last_error text,
            dl_source text,
            dl_reason text,
            dl_attempts integer,
            dl_at bigint,
            size integer NOT NULL,
            group_id text);
        CREATE INDEX messages_delivery ON messages(queue_id, priority DESC, visible_at, seq);
        CREATE INDEX messages_queue_seq ON messages(queue_id, seq);
        CREATE INDEX messages_enqueued ON messages(queue_id, enqueued_at);
        CREATE INDEX messages_group ON messages(queue_id, group_id, seq) WHERE group_id IS NOT NULL;
        CREATE INDEX messages_dead_letters ON messages(queue_id, dl_source) WHERE dl_source IS NOT NULL;
        CREATE TABLE dedup(
            queue_id bigint NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
            dedup_key bytea NOT NULL,
            message_id uuid NOT NULL,
            seq bigint NOT NULL,
            expires_at bigint NOT NULL,
            PRIMARY KEY(queue_id, dedup_key));
        CREATE INDEX dedup_expires ON dedup(expires_at);
        CREATE INDEX messages_body ON messages(body_id) WHERE body_id IS NOT NULL;
        CREATE TABLE bodies(
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            body bytea NOT NULL);
        CREATE TABLE topics(
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL UNIQUE,
            created_at bigint NOT NULL,
            published bigint NOT NULL DEFAULT 0,
            unrouted bigint NOT NULL DEFAULT 0,
            delivered bigint NOT NULL DEFAULT 0);
        CREATE TABLE subscriptions(
            topic_id bigint NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
            queue_id bigint NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
            pattern text,
            filter text,
            created_at bigint NOT NULL,
            PRIMARY KEY(topic_id, queue_id));
        CREATE INDEX subscriptions_queue ON subscriptions(queue_id);
        CREATE TABLE kv(
            key text COLLATE "C" PRIMARY KEY,
            value bytea NOT NULL,
            version bigint NOT NULL,
            expires_at bigint);
        CREATE INDEX kv_expires ON kv(expires_at) WHERE expires_at IS NOT NULL;
        CREATE SEQUENCE kv_version;
        CREATE TABLE streams(
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text COLLATE "C" NOT NULL UNIQUE,
            last_ms bigint NOT NULL, last_seq bigint NOT NULL,
            maxdel_ms bigint NOT NULL, maxdel_seq bigint NOT NULL,
            first_ms bigint NOT NULL, first_seq bigint NOT NULL,
            entries_added bigint NOT NULL,
            length bigint NOT NULL,
            bytes bigint NOT NULL,
            max_length bigint, max_bytes bigint, max_age_ms bigint,
            created_at bigint NOT NULL);
        CREATE TABLE stream_entries(
            stream_id bigint NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
            ms bigint NOT NULL, seq bigint NOT NULL,
            names bytea[] NOT NULL, vals bytea[] NOT NULL,
            size bigint NOT NULL,
            PRIMARY KEY(stream_id, ms, seq));
        CREATE TABLE stream_groups(
            stream_id bigint NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
            name text COLLATE "C" NOT NULL,
            last_ms bigint NOT NULL, last_seq bigint NOT NULL,
            entries_read bigint, max_deliveries integer, dead_letter text, created_at bigint NOT NULL,
            PRIMARY KEY(stream_id, name));
        CREATE TABLE stream_consumers(
            stream_id bigint NOT NULL, group_name text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL,
            seen_at bigint NOT NULL, active_at bigint,
            PRIMARY KEY(stream_id, group_name, name),
            FOREIGN KEY(stream_id, group_name) REFERENCES stream_groups(stream_id, name) ON DELETE CASCADE);
        CREATE TABLE stream_pending(
            stream_id bigint NOT NULL, group_name text COLLATE "C" NOT NULL, ms bigint NOT NULL, seq bigint NOT NULL,
            consumer text COLLATE "C" NOT NULL, delivered_at bigint NOT NULL, delivery_count bigint NOT NULL,
            PRIMARY KEY(stream_id, group_name, ms, seq),
            FOREIGN KEY(stream_id, group_name) REFERENCES stream_groups(stream_id, name) ON DELETE CASCADE);
        CREATE INDEX stream_pending_consumer ON stream_pending(stream_id, group_name, consumer, ms, seq);
        """,
    ];

    /// <summary>
    /// The version of the database schema this code writes and reads: 1 and up, + 1 at every change of the schema.
    /// <see cref="InitializeAsync"/> migrates an older schema to it and refuses a newer one.
    /// </summary>
    public static int SchemaVersion => Migrations.Length;

    /// <summary>
    /// Creates the schema when missing and applies the migrations it lacks, in one transaction under an advisory
    /// lock (so nodes starting together migrate once); refuses a schema newer than this code.
    /// </summary>
    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended('sluice schema ' || $1, 0))", cancellationToken, _options.Schema)
                        .ConfigureAwait(false);
#pragma warning disable CA2100 // The schema name is validated in the constructor (a-z 0-9 _ only).
                    var create = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS {_options.Schema}; " +
                        "CREATE TABLE IF NOT EXISTS schema_version(version integer NOT NULL);", connection);
#pragma warning restore CA2100
                    await using (create.ConfigureAwait(false))
                    {
                        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    var current = (int?)await ScalarAsync(connection, "SELECT max(version) FROM schema_version", cancellationToken).ConfigureAwait(false) ?? 0;
                    if (current > SchemaVersion)
                    {
                        throw new SluiceException(ErrorCodes.Unavailable,
                            $"the PostgreSQL schema '{_options.Schema}' is at version {current}, written by a newer Sluice than this one " +
                            $"(which knows versions up to {SchemaVersion}): run the newer Sluice, or use another schema", null, isTransient: false);
                    }

                    for (var version = current; version < SchemaVersion; version++)
                    {
                        await ExecuteAsync(connection, Migrations[version], cancellationToken).ConfigureAwait(false);
                    }

                    if (current < SchemaVersion)
                    {
                        await ExecuteAsync(connection, "DELETE FROM schema_version", cancellationToken).ConfigureAwait(false);
                        await ExecuteAsync(connection, "INSERT INTO schema_version(version) VALUES ($1)", cancellationToken, SchemaVersion).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or SluiceException) && PostgresErrors.Classify(ex) is { } error)
        {
            throw error;
        }
    }
}
