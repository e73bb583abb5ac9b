using Sluice.Security;

namespace Sluice.Core.Tests.Security;

public class AccessGrantTests
{
    [Theory]
    [InlineData("*", "orders-eu", true)]
    [InlineData("*", "", true)]
    [InlineData("orders-*", "orders-eu", true)]
    [InlineData("orders-*", "orders-", true)]
    [InlineData("orders-*", "orders", false)]
    [InlineData("orders-*", "billing", false)]
    [InlineData("orders-*", "Orders-eu", false)]
    [InlineData("*-dlq", "orders-dlq", true)]
    [InlineData("*-dlq", "orders-dlq-x", false)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    [InlineData("exact", "exact", true)]
    [InlineData("exact", "exactly", false)]
    [InlineData("**", "anything", true)]
    public void Matches_Pattern_MatchesAsDocumented(string pattern, string name, bool expected) =>
        Assert.Equal(expected, new AccessGrant(pattern, SluicePermissions.All).Matches(name));

    [Fact]
    public void Matches_ManyStars_StaysFast()
    {
        // A pattern of many stars against a long non-matching name must not back-track exponentially.
        var grant = new AccessGrant(string.Concat(Enumerable.Repeat("a*", 30)) + "b", SluicePermissions.All);
        Assert.False(grant.Matches(new string('a', 5000)));
    }

    [Fact]
    public void IsAllowed_UnionOfGrants_NeedsEveryPermissionAsked()
    {
        var principal = new SluicePrincipal("k1", "worker", [
            new AccessGrant("orders-*", SluicePermissions.Publish),
            new AccessGrant("orders-eu", SluicePermissions.Consume),
        ]);

        Assert.True(principal.IsAllowed(SluicePermissions.Publish, "orders-us"));
        Assert.False(principal.IsAllowed(SluicePermissions.Consume, "orders-us"));
        Assert.True(principal.IsAllowed(SluicePermissions.Publish | SluicePermissions.Consume, "orders-eu"));
        Assert.False(principal.IsAllowed(SluicePermissions.Admin, "orders-eu"));
        Assert.False(principal.IsAllowed(SluicePermissions.Publish, "billing"));
        // An action on no one resource needs a grant on '*'.
        Assert.False(principal.IsAllowed(SluicePermissions.Admin, null));
        Assert.True(SluicePrincipal.Administrator("a", "admin").IsAllowed(SluicePermissions.Admin, null));
    }

    [Fact]
    public void SeesAny_SomePermission_Sees()
    {
        var principal = new SluicePrincipal("k1", "worker", [new AccessGrant("orders-*", SluicePermissions.Consume), new AccessGrant("billing", SluicePermissions.None)]);

        Assert.True(principal.SeesAny("orders-eu"));
        Assert.False(principal.SeesAny("billing"));
        Assert.False(principal.SeesAny("audit"));
    }

    [Fact]
    public void Demand_OutsideEnter_AllowsEverything()
    {
        SluiceAccess.Demand(SluicePermissions.All, null);
        Assert.True(SluiceAccess.MaySee("anything"));
    }

    [Fact]
    public void Enter_Dispose_RestoresPrevious()
    {
        var outer = SluicePrincipal.Administrator("a", "admin");
        var inner = new SluicePrincipal("k", "reader", []);
        using (SluiceAccess.Enter(outer))
        {
            using (SluiceAccess.Enter(inner))
            {
                Assert.Same(inner, SluiceAccess.Current);
                var denied = Assert.Throws<SluiceException>(() => SluiceAccess.Demand(SluicePermissions.Publish, "q"));
                Assert.Equal(ErrorCodes.AccessDenied, denied.ErrorCode);
                Assert.Contains("'reader'", denied.Message, StringComparison.Ordinal);
                Assert.Contains("'q'", denied.Message, StringComparison.Ordinal);
            }

            Assert.Same(outer, SluiceAccess.Current);
        }

        Assert.Null(SluiceAccess.Current);
    }
}
