#pragma once

#include <QString>
#include <QStringList>

#include <optional>

/// What the user asked the executable to do.
struct Invocation
{
    enum class Mode { Gui, Headless, Command, Help, Version, UsageError };
    Mode mode = Mode::Gui;
    QString workspace;                   ///< --workspace, or the default workspace
    QStringList command;                 ///< for Mode::Command: the command and its arguments
    std::optional<quint16> trackingPort; ///< --tracking-port, if given
    bool exampleDags = false;            ///< --example-dags (the GUI installs them always)
    QString error;                       ///< for Mode::UsageError
};

/// Exit codes of the executable.
enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitUsage = 2 };

/// Decides from the raw arguments, before any QCoreApplication exists, whether the GUI is wanted
/// (so the right application class can be made, and no display is needed otherwise).
bool wantsGui(int argc, char **argv);

/// Parses the arguments (Qt's own GUI options already removed).
Invocation parseCommandLine(const QStringList &arguments);

/// The text --help prints.
QString helpText();

/// Runs a subcommand (`millrace <command> ...`); returns the exit code.
int runCommand(const Invocation &invocation);
