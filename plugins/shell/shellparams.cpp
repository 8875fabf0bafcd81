#include "plugins/shell/shellparams.h"

#include "plugins/api/taskoperator.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>
#include <QStandardPaths>

#include <cmath>

namespace millrace::shell {

namespace {

using namespace Qt::StringLiterals;

// The PATH of a command that does not inherit the app's environment, and the fallback when a
// PATH is empty (what execvp assumes then).
constexpr auto kMinimalPath = "/usr/bin:/bin"_L1;

const QString kCommand = u"command"_s;
const QString kArgv = u"argv"_s;
const QString kEnv = u"env"_s;
const QString kInheritEnv = u"inherit_env"_s;
const QString kCwd = u"cwd"_s;
const QString kTimeout = u"timeout"_s;
const QString kSkipExitCode = u"skip_exit_code"_s;
const QString kResult = u"result"_s;

QJsonObject property(const QString &type, const QString &description)
{
    return {{u"type"_s, type}, {u"description"_s, description}};
}

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return u"a boolean"_s;
    case QJsonValue::Double:
        return u"a number"_s;
    case QJsonValue::String:
        return u"a string"_s;
    case QJsonValue::Array:
        return u"an array"_s;
    case QJsonValue::Object:
        return u"an object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"nothing"_s;
}

// Environment values and argv items are text, but a template that is exactly one "{{ ... }}"
// renders to the value itself, so `"{{ conf.epochs }}"` arrives as the number 10. Numbers and
// booleans are therefore taken as their JSON text; only objects, arrays and null are refused.
std::optional<QString> scalarText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Bool:
        return value.toBool() ? u"true"_s : u"false"_s;
    case QJsonValue::Double:
        return QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
    default:
        return std::nullopt;
    }
}

QString quoteForShell(const QString &argument)
{
    static const QRegularExpression plain(u"^[A-Za-z0-9_./=:,+@%-]+$"_s);
    if (plain.match(argument).hasMatch())
        return argument;
    QString quoted = argument;
    quoted.replace(u'\'', u"'\\''"_s);
    return u'\'' + quoted + u'\'';
}

QString isoUtc(const QDateTime &dateTime)
{
    if (!dateTime.isValid())
        return QString();
    const QDateTime utc = dateTime.toUTC();
    return utc.toString(utc.time().msec() != 0 ? Qt::ISODateWithMs : Qt::ISODate);
}

// QProcess would look a bare program name up on the app's PATH; the command's own PATH (from
// `env`, or the minimal one) is what a shell would use, so the lookup is done here.
std::optional<QString> findProgram(const QString &name, const QProcessEnvironment &environment,
                                   const QString &workingDirectory)
{
    if (name.contains(u'/')) {
        const QFileInfo file(QDir(workingDirectory), name);
        if (file.isFile() && file.isExecutable())
            return file.absoluteFilePath();
        return std::nullopt;
    }
    QString path = environment.value(u"PATH"_s);
    if (path.isEmpty())
        path = kMinimalPath;
    QStringList directories;
    for (const QString &directory : path.split(u':', Qt::SkipEmptyParts))
        directories.append(QDir(workingDirectory).absoluteFilePath(directory));
    const QString found = QStandardPaths::findExecutable(name, directories);
    if (found.isEmpty())
        return std::nullopt;
    return found;
}

} // namespace

QJsonObject parameterSchema()
{
    QJsonObject argv = property(u"array"_s, u"The program and its arguments, run directly "
                                            "without a shell. Give this or \"command\"."_s);
    argv.insert(u"items"_s, QJsonObject{{u"type"_s, u"string"_s}});
    QJsonObject inheritEnv =
        property(u"boolean"_s, u"Start from the app's environment (true) or only from \"env\" "
                               "plus PATH=/usr/bin:/bin (false)."_s);
    inheritEnv.insert(u"default"_s, true);
    QJsonObject skipExitCode =
        property(u"integer"_s, u"The exit code that ends the task as skipped instead of failed."_s);
    skipExitCode.insert(u"default"_s, 99);
    QJsonObject result = property(u"string"_s, u"What the task returns: the last line of stdout, "
                                               "nothing, or stdout parsed as JSON."_s);
    result.insert(u"enum"_s, QJsonArray{u"last_line"_s, u"none"_s, u"json"_s});
    result.insert(u"default"_s, u"last_line"_s);

    const QJsonObject properties{
        {kCommand,
         property(u"string"_s, u"A command line, run with /bin/sh -c. Give this or \"argv\"."_s)},
        {kArgv, argv},
        {kEnv, property(u"object"_s, u"Environment variables (text values) for the command."_s)},
        {kInheritEnv, inheritEnv},
        {kCwd, property(u"string"_s, u"Working directory; a relative path is relative to the "
                                     "workspace. Default: the workspace."_s)},
        {kTimeout, property(u"number"_s, u"Seconds after which the command is stopped and the "
                                         "try fails."_s)},
        {kSkipExitCode, skipExitCode},
        {kResult, result},
    };
    return {{u"type"_s, u"object"_s},
            {u"properties"_s, properties},
            {u"required"_s, QJsonArray()},
            {u"additionalProperties"_s, false}};
}

std::optional<ShellParams> parseParams(const QJsonObject &params,
                                       const plugins::TaskContext &context, QString &error)
{
    const QJsonObject properties = parameterSchema().value(u"properties"_s).toObject();
    for (auto it = params.begin(); it != params.end(); ++it) {
        if (!properties.contains(it.key())) {
            error = u"unknown parameter \"%1\""_s.arg(it.key());
            return std::nullopt;
        }
    }

    ShellParams shell;

    // What to run: exactly one of the two forms, so a DAG never silently runs the other one.
    const bool hasCommand = params.contains(kCommand);
    const bool hasArgv = params.contains(kArgv);
    if (hasCommand == hasArgv) {
        error = hasCommand ? u"both \"command\" and \"argv\" are given; give exactly one"_s
                           : u"neither \"command\" nor \"argv\" is given; give exactly one"_s;
        return std::nullopt;
    }
    QStringList argv;
    if (hasCommand) {
        const QJsonValue command = params.value(kCommand);
        if (!command.isString()) {
            error = u"\"command\" must be a string, got %1"_s.arg(typeName(command));
            return std::nullopt;
        }
        if (command.toString().trimmed().isEmpty()) {
            error = u"\"command\" is empty"_s;
            return std::nullopt;
        }
        shell.program = u"/bin/sh"_s;
        shell.arguments = {u"-c"_s, command.toString()};
        shell.displayCommand = command.toString();
    } else {
        const QJsonValue value = params.value(kArgv);
        if (!value.isArray()) {
            error = u"\"argv\" must be an array of strings, got %1"_s.arg(typeName(value));
            return std::nullopt;
        }
        const QJsonArray items = value.toArray();
        for (qsizetype i = 0; i < items.size(); ++i) {
            const std::optional<QString> text = scalarText(items.at(i));
            if (!text) {
                error =
                    u"\"argv\"[%1] must be a string, got %2"_s.arg(i).arg(typeName(items.at(i)));
                return std::nullopt;
            }
            argv.append(*text);
        }
        if (argv.isEmpty() || argv.first().isEmpty()) {
            error = u"\"argv\" is empty; its first item is the program to run"_s;
            return std::nullopt;
        }
        QStringList quoted;
        for (const QString &argument : std::as_const(argv))
            quoted.append(quoteForShell(argument));
        shell.displayCommand = quoted.join(u' ');
    }

    // The environment.
    const QJsonValue inheritValue = params.value(kInheritEnv);
    if (!inheritValue.isUndefined() && !inheritValue.isBool()) {
        error = u"\"inherit_env\" must be a boolean, got %1"_s.arg(typeName(inheritValue));
        return std::nullopt;
    }
    if (inheritValue.toBool(true)) {
        shell.environment = QProcessEnvironment::systemEnvironment();
    } else {
        shell.environment.insert(u"PATH"_s, kMinimalPath);
    }
    const QJsonValue envValue = params.value(kEnv);
    if (!envValue.isUndefined() && !envValue.isObject()) {
        error = u"\"env\" must be an object, got %1"_s.arg(typeName(envValue));
        return std::nullopt;
    }
    const QJsonObject env = envValue.toObject();
    for (auto it = env.begin(); it != env.end(); ++it) {
        const std::optional<QString> text = scalarText(it.value());
        if (!text) {
            error = u"\"env\".%1 must be a string, got %2"_s.arg(it.key(), typeName(it.value()));
            return std::nullopt;
        }
        if (it.key().isEmpty() || it.key().contains(u'=')) {
            error = u"\"env\" has an invalid variable name \"%1\""_s.arg(it.key());
            return std::nullopt;
        }
        shell.environment.insert(it.key(), *text);
    }
    // Set last, as Airflow sets AIRFLOW_CTX_*, so `env` cannot make a task lie about itself.
    shell.environment.insert(u"MILLRACE_DAG_ID"_s, context.dagId());
    shell.environment.insert(u"MILLRACE_RUN_ID"_s, context.runId());
    shell.environment.insert(u"MILLRACE_TASK_ID"_s, context.taskId());
    shell.environment.insert(u"MILLRACE_TRY_NUMBER"_s, QString::number(context.tryNumber()));
    shell.environment.insert(u"MILLRACE_LOGICAL_DATE"_s, isoUtc(context.logicalDate()));
    shell.environment.insert(u"MILLRACE_WORKSPACE"_s, context.workspaceRoot());

    // The working directory: checked now, because QProcess would only say "failed to start".
    const QJsonValue cwdValue = params.value(kCwd);
    if (!cwdValue.isUndefined() && !cwdValue.isString()) {
        error = u"\"cwd\" must be a string, got %1"_s.arg(typeName(cwdValue));
        return std::nullopt;
    }
    const QString cwd = cwdValue.toString();
    shell.workingDirectory =
        QDir::cleanPath(cwd.isEmpty() ? context.workspaceRoot()
                                      : QDir(context.workspaceRoot()).absoluteFilePath(cwd));
    if (!QFileInfo(shell.workingDirectory).isDir()) {
        error = u"working directory %1 does not exist"_s.arg(shell.workingDirectory);
        return std::nullopt;
    }

    if (hasArgv) {
        const std::optional<QString> program =
            findProgram(argv.first(), shell.environment, shell.workingDirectory);
        if (!program) {
            error = argv.first().contains(u'/')
                        ? u"command not found: %1 (no executable file at that path from %2)"_s.arg(
                            argv.first(), shell.workingDirectory)
                        : u"command not found: %1 (not on PATH=%2)"_s.arg(
                            argv.first(), shell.environment.value(u"PATH"_s));
            return std::nullopt;
        }
        shell.program = *program;
        shell.arguments = argv.mid(1);
    }

    const QJsonValue timeout = params.value(kTimeout);
    if (!timeout.isUndefined()) {
        if (!timeout.isDouble() || !(timeout.toDouble() > 0)) {
            error = u"\"timeout\" must be a number of seconds greater than 0, got %1"_s.arg(
                timeout.isDouble() ? QString::number(timeout.toDouble()) : typeName(timeout));
            return std::nullopt;
        }
        shell.timeoutSeconds = timeout.toDouble();
    }

    const QJsonValue skipExitCode = params.value(kSkipExitCode);
    if (!skipExitCode.isUndefined()) {
        const double code = skipExitCode.toDouble(-1);
        if (!skipExitCode.isDouble() || code != std::floor(code) || code < 0 || code > 255) {
            error = u"\"skip_exit_code\" must be an integer from 0 to 255, got %1"_s.arg(
                skipExitCode.isDouble() ? QString::number(code) : typeName(skipExitCode));
            return std::nullopt;
        }
        shell.skipExitCode = int(code);
    }

    const QJsonValue result = params.value(kResult);
    if (!result.isUndefined()) {
        const QString mode = result.toString();
        if (mode == u"last_line"_s) {
            shell.result = ResultMode::LastLine;
        } else if (mode == u"none"_s) {
            shell.result = ResultMode::None;
        } else if (mode == u"json"_s) {
            shell.result = ResultMode::Json;
        } else {
            error = u"\"result\" must be \"last_line\", \"none\" or \"json\", got %1"_s.arg(
                result.isString() ? u'"' + mode + u'"' : typeName(result));
            return std::nullopt;
        }
    }
    return shell;
}

} // namespace millrace::shell
