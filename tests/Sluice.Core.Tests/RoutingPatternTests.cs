using Sluice.Routing;

namespace Sluice.Core.Tests;

/// <summary>Routing-key patterns: the AMQP topic-exchange semantics, written once in Core.</summary>
public class RoutingPatternTests
{
    [Theory]
    [InlineData("orders.*", "orders.eu", true)]
    [InlineData("orders.*", "orders", false)]
    [InlineData("orders.*", "orders.eu.paid", false)]
    [InlineData("orders.#", "orders", true)]
    [InlineData("orders.#", "orders.eu", true)]
    [InlineData("orders.#", "orders.eu.paid", true)]
    [InlineData("orders.#", "order", false)]
    [InlineData("orders.#", "invoices.eu", false)]
    [InlineData("*.eu", "orders.eu", true)]
    [InlineData("*.eu", "eu", false)]
    [InlineData("#.eu", "eu", true)]
    [InlineData("#.eu", "a.b.eu", true)]
    [InlineData("#.eu", "a.eu.b", false)]
    [InlineData("orders.eu", "orders.eu", true)]
    [InlineData("orders.eu", "Orders.eu", false)]
    [InlineData("orders.eu", "orders.eu.x", false)]
    [InlineData("*.*", "a.b", true)]
    [InlineData("*.*", "a", false)]
    [InlineData("*.*", "a.b.c", false)]
    public void Matches_WildcardsAndLiterals_FollowTopicExchangeRules(string pattern, string key, bool expected) =>
        Assert.Equal(expected, RoutingPattern.Parse(pattern).Matches(key));

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("a.b.c")]
    [InlineData("..")]
    public void Matches_HashAlone_MatchesEveryKey(string key) =>
        Assert.True(RoutingPattern.Parse("#").Matches(key));

    [Fact]
    public void Matches_HashAlone_MatchesAMessageWithoutAKey() =>
        Assert.True(RoutingPattern.Parse("#").Matches((string?)null));

    [Theory]
    [InlineData("a.b", true)]
    [InlineData("a.x.b", true)]
    [InlineData("a.x.y.b", true)]
    [InlineData("a.b.b", true)]
    [InlineData("a", false)]
    [InlineData("b", false)]
    [InlineData("a.x", false)]
    [InlineData("x.a.b", false)]
    public void Matches_HashBetweenWords_MatchesZeroOrMoreWords(string key, bool expected) =>
        Assert.Equal(expected, RoutingPattern.Parse("a.#.b").Matches(key));

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("a.b.c.d")]
    public void Matches_TwoHashes_MatchEveryKey(string key) =>
        Assert.True(RoutingPattern.Parse("#.#").Matches(key));

    [Theory]
    [InlineData("*", "", false)]
    [InlineData("*", "a", true)]
    [InlineData("*.#", "", false)]
    [InlineData("*.#", "a", true)]
    [InlineData("#.*", "a.b.c", true)]
    [InlineData("a.*.#.*", "a.b.c", true)]
    [InlineData("a.*.#.*", "a.b", false)]
    public void Matches_StarNeedsExactlyOneWord(string pattern, string key, bool expected) =>
        Assert.Equal(expected, RoutingPattern.Parse(pattern).Matches(key));

    [Theory]
    [InlineData("a..b", "a..b", true)]
    [InlineData("a.*.b", "a..b", true)]
    [InlineData("a.b", "a..b", false)]
    [InlineData("a.#", "a.", true)]
    [InlineData("*", ".", false)]
    [InlineData("*.*", ".", true)]
    public void Matches_EmptyWords_AreWordsLikeAnyOther(string pattern, string key, bool expected) =>
        Assert.Equal(expected, RoutingPattern.Parse(pattern).Matches(key));

    [Fact]
    public void Matches_EmptyKeyAndNullKey_HaveZeroWords()
    {
        Assert.False(RoutingPattern.Parse("orders").Matches(""));
        Assert.False(RoutingPattern.Parse("orders").Matches((string?)null));
        Assert.True(RoutingPattern.Parse("#").Matches(""));
    }

    [Theory]
    [InlineData("orders*")]
    [InlineData("or#ders.eu")]
    [InlineData("a.**")]
    [InlineData("a.##.b")]
    public void Parse_WildcardInsideAWord_IsRefusedNamingTheWord(string pattern)
    {
        var ex = Assert.Throws<SluiceException>(() => RoutingPattern.Parse(pattern));
        Assert.Equal(ErrorCodes.InvalidArgument, ex.ErrorCode);
        Assert.Equal("routingKeyPattern", ex.Field);
        Assert.Contains("must be whole words", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyOrTooLong_IsRefused()
    {
        Assert.Equal(ErrorCodes.InvalidArgument, Assert.Throws<SluiceException>(() => RoutingPattern.Parse("")).ErrorCode);
        Assert.Equal(ErrorCodes.InvalidArgument, Assert.Throws<SluiceException>(() => RoutingPattern.Parse(new string('a', 256))).ErrorCode);
        Assert.Equal(new string('a', 255), RoutingPattern.Parse(new string('a', 255)).Text);
    }

    [Fact]
    public void CheckRoutingKey_WildcardsOrTooLong_AreRefused()
    {
        RoutingPattern.CheckRoutingKey(null);
        RoutingPattern.CheckRoutingKey("");
        RoutingPattern.CheckRoutingKey("orders.eu");
        Assert.Equal("routingKey", Assert.Throws<SluiceException>(() => RoutingPattern.CheckRoutingKey("orders.*")).Field);
        Assert.Equal("routingKey", Assert.Throws<SluiceException>(() => RoutingPattern.CheckRoutingKey("#")).Field);
        Assert.Equal("routingKey", Assert.Throws<SluiceException>(() => RoutingPattern.CheckRoutingKey(new string('a', 256))).Field);
    }

    [Fact]
    public void Matches_LongestPatternAndKey_Completes()
    {
        var pattern = RoutingPattern.Parse(string.Join('.', Enumerable.Repeat("#", 128)));
        Assert.True(pattern.Matches(string.Join('.', Enumerable.Repeat("a", 128))));
        var stars = RoutingPattern.Parse(string.Join('.', Enumerable.Repeat("*", 128)));
        Assert.False(stars.Matches(string.Join('.', Enumerable.Repeat("a", 127))));
    }
}
