namespace Cruddur.Ddb.Tests;

/// <summary>The item, time, id and conversation helpers of lib/table/Items.cs, and the URL parsing of lib/data/Users.cs.</summary>
public sealed class ItemsTests
{
    [Fact]
    public void Times_are_a_minute_apart_end_now_and_look_like_pythons_isoformat()
    {
        var now = new DateTime(2026, 11, 25, 19, 22, 52, 450, DateTimeKind.Utc).AddTicks(5660);
        var times = Items.MessageTimes(3, now);

        Assert.Equal([now.AddMinutes(-2), now.AddMinutes(-1), now], times);
        Assert.Equal("2026-11-25T19:22:52.450566+00:00", Items.Iso(now));
    }

    [Fact]
    public void Times_stay_in_the_current_year_just_after_new_year()
    {
        var now = new DateTime(2027, 1, 1, 0, 30, 0, DateTimeKind.Utc);
        var times = Items.MessageTimes(108, now);

        Assert.All(times, t => Assert.StartsWith("2027", Items.Iso(t)));
        Assert.Equal(now, times[^1]);
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public void Name_based_uuids_are_stable_version_5_and_the_group_ignores_who_is_first()
    {
        var a = Items.Uuid5("user:loadtest");
        Assert.Equal(a, Items.Uuid5("user:loadtest"));
        Assert.Equal('5', a[14]);
        Assert.NotEqual(a, Items.Uuid5("user:loadtest-0"));
        Assert.Equal(Items.GroupUuid(Users.Me, Users.Other), Items.GroupUuid(Users.Other, Users.Me));
    }

    [Fact]
    public void Message_rows_never_carry_the_group_uuid_and_group_rows_name_the_other_user()
    {
        var rows = Items.Conversation(Users.Me, Users.Other, "g", [new(1, "hi"), new(2, "yo")],
            Items.MessageTimes(2, new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc))).ToList();

        Assert.Equal(4, rows.Count);
        Assert.All(rows.Take(2), r => Assert.False(r.ContainsKey("message_group_uuid")));
        Assert.Equal(["andrewbrown", "bayko"], rows.Take(2).Select(r => r["user_handle"].S));
        Assert.Equal(("GRP#" + Users.Me.Uuid, "bayko", "yo"), (rows[2]["pk"].S, rows[2]["user_handle"].S, rows[2]["message"].S));
        Assert.Equal(("GRP#" + Users.Other.Uuid, "andrewbrown"), (rows[3]["pk"].S, rows[3]["user_handle"].S));
        Assert.Equal(rows[1]["sk"].S, rows[2]["sk"].S);
    }

    [Fact]
    public void Synthetic_data_is_deterministic_with_distinct_sort_keys_per_owner()
    {
        var first = Items.Synthetic(3, 4, 2026).Select(i => i["pk"].S + "|" + i["sk"].S).ToList();
        var second = Items.Synthetic(3, 4, 2026).Select(i => i["pk"].S + "|" + i["sk"].S).ToList();

        Assert.Equal(first, second);
        Assert.Equal(3 * 6, first.Distinct().Count());
    }

    [Theory]
    [InlineData("postgresql://postgres:p%40ss@db.example:5433/cruddur?sslmode=require", "db.example", 5433, "cruddur", "postgres", "p@ss")]
    [InlineData("postgres://app@localhost/cruddur", "localhost", 5432, "cruddur", "app", null)]
    [InlineData("Host=h;Port=6000;Database=d;Username=u;Password=x", "h", 6000, "d", "u", "x")]
    public void Postgres_urls_of_the_app_and_connection_strings_are_understood(string url, string host, int port, string db, string user, string? password)
    {
        var b = Users.ConnectionString(url);
        Assert.Equal((host, port, db, user, password), (b.Host, b.Port, b.Database, b.Username, b.Password));
    }

    [Fact]
    public void A_malformed_postgres_url_is_a_clear_error_without_the_password()
    {
        var e = Assert.Throws<UsersError>(() => Users.ConnectionString("mysql://root:hunter2@h/db"));
        var (message, code) = Failure.Explain(e, null);
        Assert.Equal(("CONNECTION_URL is not a Postgres URL (postgresql://user:password@host:5432/cruddur)", 1), (message, code));
        Assert.DoesNotContain("hunter2", e.Message + e.Detail);
    }
}
