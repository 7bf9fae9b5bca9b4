import Foundation

/// The colors of pretty-printed JSON, as jq has them: one SGR code (such as `0;32` or `1;34`)
/// each for null, false, true, numbers, strings, arrays, objects and object keys.
///
/// `GATEWAYCTL_COLORS` overrides them the way `JQ_COLORS` does for jq: the codes in that
/// order, separated by colons; a shorter list replaces the first ones only. Colors are used
/// only in pretty output with colors on (`--color`, `NO_COLOR`): JSON Lines never has any.
struct JSONColors: Sendable, Hashable {
    var null: String
    var falseValue: String
    var trueValue: String
    var number: String
    var string: String
    var array: String
    var object: String
    var key: String

    /// jq 1.7.1's defaults.
    static let jqDefault = JSONColors(
        null: "1;30", falseValue: "0;39", trueValue: "0;39", number: "0;39", string: "0;32", array: "1;39",
        object: "1;39", key: "34;1")

    /// The environment variable that overrides the colors.
    static let environmentVariable = "GATEWAYCTL_COLORS"

    /// This process's colors, read from the environment once.
    static let current = fromEnvironment().colors

    /// The colors `spec` asks for on top of jq's, or a sentence saying what is wrong with it.
    static func parse(_ spec: String) -> Result<JSONColors, JSONColorsError> {
        var colors = jqDefault
        let fields = spec.split(separator: ":", omittingEmptySubsequences: false)
        let names: [WritableKeyPath<JSONColors, String>] = [
            \.null, \.falseValue, \.trueValue, \.number, \.string, \.array, \.object, \.key,
        ]
        guard fields.count <= names.count else {
            return .failure(JSONColorsError("\(fields.count) colors, at most \(names.count) (null:false:true:numbers:strings:arrays:objects:keys)"))
        }
        for (index, field) in fields.enumerated() {
            // Only SGR parameters: a stray escape character would let the variable write anything.
            guard !field.isEmpty, field.count <= 32, field.allSatisfy({ $0 == ";" || ("0"..."9").contains($0) }) else {
                return .failure(JSONColorsError("color \(index + 1), \"\(field)\", is not an SGR code like 0;32"))
            }
            colors[keyPath: names[index]] = String(field)
        }
        return .success(colors)
    }

    /// The colors from the environment: jq's, or `GATEWAYCTL_COLORS` when it is set and valid.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (colors: JSONColors, problem: JSONColorsError?)
    {
        guard let spec = environment[environmentVariable], !spec.isEmpty else { return (jqDefault, nil) }
        switch parse(spec) {
        case .success(let colors): return (colors, nil)
        case .failure(let problem): return (jqDefault, problem)
        }
    }

    /// `json` (pretty-printed, valid JSON text) with each token wrapped in its color; the
    /// layout is untouched, so colored and plain output differ only by escape sequences.
    func colorize(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count * 2)
        let scalars = Array(json.unicodeScalars)
        var index = 0
        func paint(_ code: String, _ text: String) { out += "\u{1B}[\(code)m\(text)\u{1B}[0m" }
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\"":
                var end = index + 1
                while end < scalars.count && scalars[end] != "\"" {
                    end += scalars[end] == "\\" ? 2 : 1
                }
                end = min(end + 1, scalars.count)
                var text = ""
                text.unicodeScalars.append(contentsOf: scalars[index..<end])
                var next = end
                while next < scalars.count && (scalars[next] == " " || scalars[next] == "\n") { next += 1 }
                paint(next < scalars.count && scalars[next] == ":" ? key : string, text)
                index = end
            case "{", "}":
                paint(object, String(scalar))
                index += 1
            case "[", "]":
                paint(array, String(scalar))
                index += 1
            case "-", "0"..."9":
                var end = index + 1
                while end < scalars.count, "0123456789+-.eE".unicodeScalars.contains(scalars[end]) { end += 1 }
                var text = ""
                text.unicodeScalars.append(contentsOf: scalars[index..<end])
                paint(number, text)
                index = end
            case "t", "f", "n":
                let word = scalar == "t" ? "true" : scalar == "f" ? "false" : "null"
                let end = min(index + word.unicodeScalars.count, scalars.count)
                var text = ""
                text.unicodeScalars.append(contentsOf: scalars[index..<end])
                paint(scalar == "t" ? trueValue : scalar == "f" ? falseValue : null, text)
                index = end
            default:
                out.unicodeScalars.append(scalar)
                index += 1
            }
        }
        return out
    }
}

/// Why `GATEWAYCTL_COLORS` cannot be used.
struct JSONColorsError: Error, Sendable, Hashable, CustomStringConvertible {
    var message: String

    init(_ message: String) { self.message = message }

    var description: String { "\(JSONColors.environmentVariable): \(message); using jq's colors" }
}
