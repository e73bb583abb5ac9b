namespace Sluice.Storage.Postgres.Internal;

/// <summary>Conversions between <see cref="DateTimeOffset"/> and the stored unix milliseconds (every time column is <c>bigint</c> ms, from the store's <see cref="TimeProvider"/>, never the database's clock).</summary>
internal static class Time
{
    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static long Ms(TimeSpan span) => (long)span.TotalMilliseconds;
}
