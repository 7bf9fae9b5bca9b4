/// An input a command does not take, though another does (a packet capture given to `export`,
/// or to `replay --follow`): 64, as a command line that cannot work.
struct InputUsageError: Error, CustomStringConvertible, ExitStatusReporting {
    var description: String
    var exitStatus: ProcessExitStatus { .usage }

    init(_ message: String) { description = message }
}
