using Sluice.Routing;

namespace Sluice.Core.Tests;

/// <summary>Attribute filter policies: the SNS filter-policy shape, written once in Core.</summary>
public class FilterPolicyTests
{
    private static Dictionary<string, MessageAttributeValue> Attrs(params (string Name, MessageAttributeValue Value)[] items) =>
        items.ToDictionary(i => i.Name, i => i.Value, StringComparer.Ordinal);

    private static MessageAttributeValue S(string v) => MessageAttributeValue.FromString(v);

    private static MessageAttributeValue N(string v) => MessageAttributeValue.FromNumber(v);

    private static bool Match(string policy, params (string, MessageAttributeValue)[] attributes) =>
        FilterPolicy.Parse(policy).Matches(Attrs(attributes));

    [Fact]
    public void Matches_StringLiteral_EqualsAStringAttributeCaseSensitively()
    {
        Assert.True(Match("""{"region": ["eu-west"]}""", ("region", S("eu-west"))));
        Assert.False(Match("""{"region": ["eu-west"]}""", ("region", S("EU-WEST"))));
        Assert.False(Match("""{"region": ["eu-west"]}""", ("region", S("eu-west-1"))));
    }

    [Fact]
    public void Matches_StringLiteral_MatchesCustomStringTypesButNotNumbers()
    {
        Assert.True(Match("""{"kind": ["a"]}""", ("kind", new MessageAttributeValue("String.custom", "a"))));
        Assert.False(Match("""{"n": ["10"]}""", ("n", N("10"))));
    }

    [Fact]
    public void Matches_AnyOfConditions_OneIsEnough()
    {
        const string Policy = """{"region": ["eu-west", {"prefix": "us-"}]}""";
        Assert.True(Match(Policy, ("region", S("eu-west"))));
        Assert.True(Match(Policy, ("region", S("us-east-1"))));
        Assert.False(Match(Policy, ("region", S("ap-south-1"))));
    }

    [Fact]
    public void Matches_SeveralKeys_AllMustMatch()
    {
        const string Policy = """{"region": ["eu-west"], "total": [{"numeric": [">", 100]}]}""";
        Assert.True(Match(Policy, ("region", S("eu-west")), ("total", N("150"))));
        Assert.False(Match(Policy, ("region", S("eu-west")), ("total", N("50"))));
        Assert.False(Match(Policy, ("region", S("eu-west"))));
    }

    [Fact]
    public void Matches_NumberLiteral_ComparesNumerically()
    {
        Assert.True(Match("""{"n": [10]}""", ("n", N("10.0"))));
        Assert.True(Match("""{"n": [10]}""", ("n", N("1e1"))));
        Assert.False(Match("""{"n": [10]}""", ("n", N("10.5"))));
        Assert.False(Match("""{"n": [10]}""", ("n", S("10"))));
    }

    [Theory]
    [InlineData("9.99", false)]
    [InlineData("10", true)]
    [InlineData("15", true)]
    [InlineData("19.999", true)]
    [InlineData("20", false)]
    public void Matches_NumericRange_HonoursInclusiveAndExclusiveBounds(string value, bool expected) =>
        Assert.Equal(expected, Match("""{"n": [{"numeric": [">=", 10, "<", 20]}]}""", ("n", N(value))));

    [Theory]
    [InlineData("""[">", 0, "<=", 5]""", "5", true)]
    [InlineData("""[">", 0, "<=", 5]""", "0", false)]
    [InlineData("""["<=", 5]""", "-100", true)]
    [InlineData("""["=", 7.5]""", "7.5", true)]
    [InlineData("""["=", 7.5]""", "7.50001", false)]
    [InlineData("""["<", 5, ">", 1]""", "3", true)]
    public void Matches_NumericOperators(string numeric, string value, bool expected) =>
        Assert.Equal(expected, Match($$"""{"n": [{"numeric": {{numeric}}}]}""", ("n", N(value))));

    [Fact]
    public void Matches_Numeric_NeverMatchesAStringAttribute() =>
        Assert.False(Match("""{"n": [{"numeric": [">", 0]}]}""", ("n", S("5"))));

    [Fact]
    public void Matches_Prefix_OnStringsOnly()
    {
        Assert.True(Match("""{"r": [{"prefix": "eu-"}]}""", ("r", S("eu-central"))));
        Assert.False(Match("""{"r": [{"prefix": "eu-"}]}""", ("r", S("eu"))));
        Assert.False(Match("""{"r": [{"prefix": "1"}]}""", ("r", N("12"))));
    }

    [Fact]
    public void Matches_Exists_TrueNeedsTheAttributeOfAnyType_FalseNeedsItAbsent()
    {
        Assert.True(Match("""{"trace": [{"exists": true}]}""", ("trace", S("x"))));
        Assert.True(Match("""{"trace": [{"exists": true}]}""", ("trace", MessageAttributeValue.FromBinary(new byte[] { 1 }))));
        Assert.False(Match("""{"trace": [{"exists": true}]}"""));
        Assert.True(Match("""{"trace": [{"exists": false}]}"""));
        Assert.False(Match("""{"trace": [{"exists": false}]}""", ("trace", S("x"))));
    }

    [Fact]
    public void Matches_MissingAttribute_MatchesOnlyExistsFalse()
    {
        Assert.False(Match("""{"r": ["eu", {"prefix": "x"}, {"numeric": [">", 0]}]}"""));
        Assert.True(FilterPolicy.Parse("""{"r": ["eu", {"exists": false}]}""").Matches(null));
    }

    [Fact]
    public void Matches_BinaryAttribute_MatchesNoValueCondition() =>
        Assert.False(Match("""{"b": ["AQ=="]}""", ("b", MessageAttributeValue.FromBinary(new byte[] { 1 }))));

    [Fact]
    public void Parse_Text_IsCanonicalCompactJson() =>
        Assert.Equal("""{"a":["x",{"numeric":[">",1]}],"b":[{"exists":true}]}""",
            FilterPolicy.Parse("""{ "a" : [ "x", { "numeric": [ ">", 1 ] } ],  "b": [{"exists": true}] }""").Text);

    [Theory]
    [InlineData("""{"a":[1e9]}""", """{"a":[1000000000]}""")]
    [InlineData("""{"b":["x"],"a":[1]}""", """{"a":[1.0],"b":["x"]}""")]
    [InlineData("""{"a":[{"numeric":["<",5,">",1]}]}""", """{"a":[{"numeric":[">",1,"<",5.0]}]}""")]
    [InlineData("""{"a":[{"numeric":[">=",5,"<=",5]}]}""", """{"a":[{"numeric":["=",5]}]}""")]
    [InlineData("""{"a":[-0]}""", """{"a":[0]}""")]
    public void Parse_EqualPoliciesSpelledDifferently_HaveEqualTexts(string one, string other) =>
        Assert.Equal(FilterPolicy.Parse(one).Text, FilterPolicy.Parse(other).Text);

    [Fact]
    public void Parse_Text_KeepsNonAsciiUnescapedAndEscapesOnlyWhatJsonRequires() =>
        Assert.Equal("{\"region\":[\"😀é\",\"a\\\"b\\\\c\\n\\u0001\",{\"prefix\":\"<>&'\"}]}",
            FilterPolicy.Parse("{\"region\": [\"\\ud83d\\ude00\\u00e9\", \"a\\\"b\\\\c\\n\\u0001\", {\"prefix\": \"<>&'\"}]}").Text);

    [Fact]
    public void Parse_LimitAppliesToTheTextSent_NotToItsCanonicalForm()
    {
        // 4,000 emoji (8,010 characters sent) are accepted and kept as they are; 12,000 (24,010 characters) are refused.
        var emoji = string.Concat(Enumerable.Repeat("😀", 4_000));
        var policy = FilterPolicy.Parse($$"""{"a":["{{emoji}}"]}""");
        Assert.Equal($$"""{"a":["{{emoji}}"]}""", policy.Text);
        var ex = Assert.Throws<SluiceException>(() => FilterPolicy.Parse($$"""{"a":["{{emoji}}{{emoji}}{{emoji}}"]}"""));
        Assert.Contains("24010 characters", ex.Message, StringComparison.Ordinal);

        // A stored canonical text is not measured again.
        var longCanonical = FilterPolicy.Parse($$"""{"a":[{{string.Join(",", Enumerable.Repeat("1e9", 150))}}]}""").Text;
        Assert.True(longCanonical.Length < FilterPolicy.MaxLength);
        Assert.Equal(longCanonical, FilterPolicy.ParseCanonical(longCanonical).Text);
    }

    [Theory]
    [InlineData("not json", "filterPolicy", "not valid JSON")]
    [InlineData("""{"a": ["\ud800"]}""", "filterPolicy.a", "lone UTF-16 surrogate")]
    [InlineData("""{"a": [{"prefix": "x\udc00"}]}""", "filterPolicy.a", "lone UTF-16 surrogate")]
    [InlineData("""{"a": [{"pre\ud800": "x"}]}""", "filterPolicy.a", "lone UTF-16 surrogate")]
    [InlineData("""{"a": [{"numeric": ["\ud800", 1]}]}""", "filterPolicy.a", "lone UTF-16 surrogate")]
    [InlineData("""{"\ud800": ["x"]}""", "filterPolicy", "lone UTF-16 surrogate")]
    [InlineData("[]", "filterPolicy", "must be a JSON object")]
    [InlineData("{}", "filterPolicy", "0 keys")]
    [InlineData("""{"a": "x"}""", "filterPolicy.a", "non-empty array")]
    [InlineData("""{"a": []}""", "filterPolicy.a", "non-empty array")]
    [InlineData("""{"a": [true]}""", "filterPolicy.a", "does not know")]
    [InlineData("""{"a": [null]}""", "filterPolicy.a", "does not know")]
    [InlineData("""{"a": [{"suffix": "x"}]}""", "filterPolicy.a", "does not know")]
    [InlineData("""{"a": [{"prefix": ""}]}""", "filterPolicy.a", "prefix")]
    [InlineData("""{"a": [{"exists": "yes"}]}""", "filterPolicy.a", "exists")]
    [InlineData("""{"a": [{"numeric": [">", "1"]}]}""", "filterPolicy.a", "not a number")]
    [InlineData("""{"a": [{"numeric": ["!=", 1]}]}""", "filterPolicy.a", "numeric")]
    [InlineData("""{"a": [{"numeric": [">", 1, ">", 2]}]}""", "filterPolicy.a", "numeric")]
    [InlineData("""{"a": [{"numeric": ["=", 1, "<", 2]}]}""", "filterPolicy.a", "numeric")]
    [InlineData("""{"a": [{"numeric": [">", 5, "<", 2]}]}""", "filterPolicy.a", "is empty")]
    [InlineData("""{"a": [{"numeric": [">", 5, "<", 5]}]}""", "filterPolicy.a", "is empty")]
    [InlineData("""{"a": [{"numeric": [">", 5, "<=", 5]}]}""", "filterPolicy.a", "is empty")]
    [InlineData("""{"a": [{"numeric": [">=", 5, "<", 5]}]}""", "filterPolicy.a", "is empty")]
    [InlineData("""{"a b\u0000": ["x"]}""", "filterPolicy", "attribute name")]
    [InlineData("""{"AWS.x": ["x"]}""", "filterPolicy", "attribute name")]
    [InlineData("""{"": ["x"]}""", "filterPolicy", "attribute name")]
    [InlineData("""{"a": [2000000000]}""", "filterPolicy.a", "not a number from")]
    [InlineData("""{"a": ["x"], "a": ["y"]}""", "filterPolicy.a", "twice")]
    [InlineData("""{"a":["x"],"b":["x"],"c":["x"],"d":["x"],"e":["x"],"f":["x"]}""", "filterPolicy", "6 keys")]
    public void Parse_BrokenRule_IsRefusedNamingTheKeyAndRule(string policy, string field, string says)
    {
        var ex = Assert.Throws<SluiceException>(() => FilterPolicy.Parse(policy));
        Assert.Equal(ErrorCodes.InvalidArgument, ex.ErrorCode);
        Assert.Equal(field, ex.Field);
        Assert.Contains(says, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooManyCombinations_IsRefused()
    {
        // 10 x 10 x 2 = 200 combinations.
        var ten = "[" + string.Join(',', Enumerable.Range(0, 10).Select(i => $"\"v{i}\"")) + "]";
        var ex = Assert.Throws<SluiceException>(() => FilterPolicy.Parse($$"""{"a": {{ten}}, "b": {{ten}}, "c": ["x", "y"]}"""));
        Assert.Contains("200 combinations", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(FilterPolicy.Parse($$"""{"a": {{ten}}, "b": {{ten}}}"""));
    }

    [Fact]
    public void Parse_TooLong_IsRefused() =>
        Assert.Contains("at most", Assert.Throws<SluiceException>(() => FilterPolicy.Parse(new string(' ', FilterPolicy.MaxLength + 1))).Message, StringComparison.Ordinal);
}
