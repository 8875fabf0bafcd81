#pragma once

#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <optional>

namespace millrace::plugins {
class TaskContext;
}

namespace millrace::shell {

/// What a shell task returns as its result (XCom).
enum class ResultMode {
    LastLine, ///< the last line of stdout, trailing whitespace removed (BashOperator's XCom)
    None,     ///< no result
    Json,     ///< all of stdout, parsed as one JSON value
};

/// A shell task's parameters, checked, with defaults applied and resolved against the task's
/// context: what to start, where and with which environment.
struct ShellParams
{
    QString program; ///< absolute path of what is executed (/bin/sh for `command`)
    QStringList arguments;
    QString displayCommand; ///< the command as the task log shows it
    QProcessEnvironment environment;
    QString workingDirectory; ///< absolute, exists
    std::optional<double> timeoutSeconds;
    int skipExitCode = 99;
    ResultMode result = ResultMode::LastLine;
};

/// The shell operator's parameter schema (the JSON-schema subset DAG files are checked with).
QJsonObject parameterSchema();

/// Checks `params` and resolves them for a try of the task `context` describes: the working
/// directory must exist, and a program given by `argv` must be found on the command's PATH.
/// Returns nothing and sets `error` to a message for the task's failure otherwise.
std::optional<ShellParams> parseParams(const QJsonObject &params,
                                       const plugins::TaskContext &context, QString &error);

} // namespace millrace::shell
