/// The External Term Format tags this codec knows, with their names for error messages.
///
/// Values from the Erlang documentation ("External Term Format", erts).
enum ETFTag {
    static let version: UInt8 = 131
    static let compressed: UInt8 = 80
    static let newFloat: UInt8 = 70
    static let smallInteger: UInt8 = 97
    static let integer: UInt8 = 98
    static let float: UInt8 = 99
    static let atom: UInt8 = 100
    static let smallTuple: UInt8 = 104
    static let largeTuple: UInt8 = 105
    static let `nil`: UInt8 = 106
    static let string: UInt8 = 107
    static let list: UInt8 = 108
    static let binary: UInt8 = 109
    static let smallBig: UInt8 = 110
    static let largeBig: UInt8 = 111
    static let smallAtom: UInt8 = 115
    static let map: UInt8 = 116
    static let atomUTF8: UInt8 = 118
    static let smallAtomUTF8: UInt8 = 119

    /// The name the Erlang documentation gives a tag, for messages; unknown tags get their number only.
    static func name(_ tag: UInt8) -> String {
        switch tag {
        case compressed: return "COMPRESSED"
        case newFloat: return "NEW_FLOAT_EXT"
        case smallInteger: return "SMALL_INTEGER_EXT"
        case integer: return "INTEGER_EXT"
        case float: return "FLOAT_EXT"
        case atom: return "ATOM_EXT"
        case smallTuple: return "SMALL_TUPLE_EXT"
        case largeTuple: return "LARGE_TUPLE_EXT"
        case `nil`: return "NIL_EXT"
        case string: return "STRING_EXT"
        case list: return "LIST_EXT"
        case binary: return "BINARY_EXT"
        case smallBig: return "SMALL_BIG_EXT"
        case largeBig: return "LARGE_BIG_EXT"
        case smallAtom: return "SMALL_ATOM_EXT"
        case map: return "MAP_EXT"
        case atomUTF8: return "ATOM_UTF8_EXT"
        case smallAtomUTF8: return "SMALL_ATOM_UTF8_EXT"
        case 77: return "BIT_BINARY_EXT"
        case 88, 103: return "PID_EXT"
        case 89, 102, 120: return "PORT_EXT"
        case 90, 101, 114: return "REFERENCE_EXT"
        case 113: return "EXPORT_EXT"
        case 112, 117: return "FUN_EXT"
        case 82: return "ATOM_CACHE_REF"
        case 68: return "DIST_HEADER"
        default: return "unknown"
        }
    }
}
