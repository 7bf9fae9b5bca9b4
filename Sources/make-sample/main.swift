import Foundation
import GatewayCLI

// Writes the sample session files into the directory given (default: samples).
let directory = CommandLine.arguments.dropFirst().first ?? "samples"
do {
    try SampleSession.write(to: directory)
    print("wrote \(SampleSession.recordingName), \(SampleSession.rawDumpName), \(SampleSession.framesDumpName) in \(directory)")
} catch {
    FileHandle.standardError.write(Data("make-sample: \(error)\n".utf8))
    exit(ProcessExitStatus(for: error).rawValue)
}
