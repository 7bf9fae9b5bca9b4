import Foundation

/// Test fixtures committed under `Fixtures/`, found relative to this file.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }
}

/// Bytes from a hex string, for expected values.
func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8?
    for character in text.utf8 {
        guard let digit = UInt8(String(UnicodeScalar(character)), radix: 16) else { continue }
        if let value = high {
            bytes.append(value << 4 | digit)
            high = nil
        } else {
            high = digit
        }
    }
    return bytes
}

/// A fresh temporary file path, removed when `body` returns.
func withTemporaryPath<R>(_ name: String = "capture.jsonl", _ body: (String) throws -> R) throws -> R {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayctl-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory.appendingPathComponent(name).path)
}
