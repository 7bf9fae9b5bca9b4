/// Test vectors for the JSON codec.
///
/// `messageCreateCompact` and `messageCreatePretty` are the output of Python 3's
/// `json.dumps(value, separators=(",", ":"), ensure_ascii=False)` and
/// `json.dumps(value, indent=2, ensure_ascii=False)` for the same
/// MESSAGE_CREATE-like payload (snowflake strings, CJK, emoji, escapes,
/// UInt64.max, Int64.min, a double in exponent form, empty containers).
enum JSONTestVectors {
    static let messageCreateCompact = #"{"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"type":0,"tts":false,"timestamp":"2024-06-01T00:02:01.529000+00:00","pinned":false,"nonce":"1246252379528131818","mentions":[],"member":{"roles":["973102318985889892","147836036423321706"],"nick":null,"flags":0},"id":"1246252379528144105","embeds":[{"title":"Release \"v2\"","color":5814783,"fields":[{"name":"状態","value":"完了 ✅","inline":true}]}],"edited_timestamp":null,"content":"こんにちは 👋 line1\nline2\ttab \u0001 back\\slash","channel_id":"1063801510137321600","author":{"id":"233346536837427361","username":"ivan522","public_flags":0,"avatar_decoration_data":null},"attachments":[{"id":"1246252379528144200","size":18446744073709551615,"duration_secs":3.5,"waveform_ratio":1e-05,"offset":-9223372036854775808}],"components":{},"guild_id":"726289947988060257"}}"#

    static let messageCreatePretty = #"""
{
  "t": "MESSAGE_CREATE",
  "s": 42,
  "op": 0,
  "d": {
    "type": 0,
    "tts": false,
    "timestamp": "2024-06-01T00:02:01.529000+00:00",
    "pinned": false,
    "nonce": "1246252379528131818",
    "mentions": [],
    "member": {
      "roles": [
        "973102318985889892",
        "147836036423321706"
      ],
      "nick": null,
      "flags": 0
    },
    "id": "1246252379528144105",
    "embeds": [
      {
        "title": "Release \"v2\"",
        "color": 5814783,
        "fields": [
          {
            "name": "状態",
            "value": "完了 ✅",
            "inline": true
          }
        ]
      }
    ],
    "edited_timestamp": null,
    "content": "こんにちは 👋 line1\nline2\ttab \u0001 back\\slash",
    "channel_id": "1063801510137321600",
    "author": {
      "id": "233346536837427361",
      "username": "ivan522",
      "public_flags": 0,
      "avatar_decoration_data": null
    },
    "attachments": [
      {
        "id": "1246252379528144200",
        "size": 18446744073709551615,
        "duration_secs": 3.5,
        "waveform_ratio": 1e-05,
        "offset": -9223372036854775808
      }
    ],
    "components": {},
    "guild_id": "726289947988060257"
  }
}
"""#
}
