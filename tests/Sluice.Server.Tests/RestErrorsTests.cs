using System.Reflection;
using Sluice.Faces.Rest;

namespace Sluice.Server.Tests;

public class RestErrorsTests
{
    public static TheoryData<string> AllCodes()
    {
        var data = new TheoryData<string>();
        foreach (var field in typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
        {
            data.Add((string)field.GetRawConstantValue()!);
        }

        return data;
    }

    /// <summary>Every error code has its own row in the one status table (only internal_error maps to 500).</summary>
    [Theory]
    [MemberData(nameof(AllCodes))]
    public void StatusOf_EveryErrorCode_IsInTable(string code)
    {
        var status = RestErrors.StatusOf(code);
        Assert.True(code == ErrorCodes.Internal ? status == 500 : status is >= 400 and < 500 or 501 or 503 or 507, $"{code} -> {status}");
    }

    [Theory]
    [InlineData("invalid_argument", 400)]
    [InlineData("malformed_request", 400)]
    [InlineData("receipt_handle_invalid", 400)]
    [InlineData("unauthenticated", 401)]
    [InlineData("access_denied", 403)]
    [InlineData("queue_not_found", 404)]
    [InlineData("route_not_found", 404)]
    [InlineData("receipt_handle_stale", 409)]
    [InlineData("message_not_in_flight", 409)]
    [InlineData("message_too_large", 413)]
    [InlineData("request_too_large", 413)]
    [InlineData("queue_full", 429)]
    [InlineData("method_not_allowed", 405)]
    [InlineData("request_timeout", 408)]
    [InlineData("storage_full", 507)]
    [InlineData("storage_failed", 503)]
    [InlineData("unavailable", 503)]
    [InlineData("not_supported", 501)]
    [InlineData("internal_error", 500)]
    [InlineData("something_new", 500)]
    public void StatusOf_MatchesDocumentedTable(string code, int status) => Assert.Equal(status, RestErrors.StatusOf(code));
}
