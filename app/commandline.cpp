#include "app/commandline.h"

#include "app/dagscommand.h"
#include "app/modelscommand.h"
#include "app/poolscommand.h"
#include "app/runscommand.h"
#include "app/servecommand.h"
#include "app/streamscommand.h"
#include "app/traincommand.h"
#include "app/workspacecommand.h"
#include "core/ml/torchruntime.h"
#include "core/workspace/workspace.h"

#include <QCommandLineParser>
#include <QSet>
#include <QTextStream>

#include <cstring>

namespace {

struct CommandSpec
{
    const char *name;
    const char *summary;
    int (*run)(const Invocation &);
    const char *(*usage)(); ///< the full usage text, which `millrace COMMAND --help` prints
};

// The command set, in the order --help lists it.
constexpr CommandSpec kCommands[] = {
    {"workspace", "show a workspace's schema version and holder; get or set its settings",
     &runWorkspaceCommand, &workspaceUsage},
    {"runs", "list, search and show tracked runs (--json for MLflow-shaped JSON)", &runRunsCommand,
     &runsUsage},
    {"models", "list, register and promote model versions, set aliases, export to ONNX",
     &runModelsCommand, &modelsUsage},
    {"topics", "list, describe, create and delete Kafka topics; a consumer group's lag",
     &runTopicsCommand, &topicsUsage},
    {"produce", "publish messages to a Kafka topic (arguments, a file or standard input)",
     &runProduceCommand, &produceUsage},
    {"drain", "drain a Kafka topic into a training batch under data/incoming", &runDrainCommand,
     &drainUsage},
    {"dags", "list, trigger, pause, unpause, backfill and clear scheduled jobs; list their runs",
     &runDagsCommand, &dagsUsage},
    {"tasks", "list a DAG run's task instances; print or follow a task's log", &runTasksCommand,
     &tasksUsage},
    {"pools", "list, create, resize and delete the scheduler's pools of task slots",
     &runPoolsCommand, &poolsUsage},
    {"train", "train a model or search its hyperparameters (--config FILE)", &runTrainCommand,
     &trainUsage},
    {"serve", "serve a registered model over MLflow's scoring protocol, following its stage",
     &runServeCommand, &serveUsage},
};

// Whether a command's arguments ask for its usage: --help or -h anywhere before a "--" (after
// which everything is an operand), so `models --help` and `models promote --help` both do.
bool wantsCommandHelp(const QStringList &command)
{
    for (const QString &argument : command.mid(1)) {
        if (argument == QLatin1String("--"))
            return false;
        if (argument == QLatin1String("--help") || argument == QLatin1String("-h"))
            return true;
    }
    return false;
}

const CommandSpec *findCommand(const QString &name)
{
    for (const CommandSpec &spec : kCommands) {
        if (name == QLatin1String(spec.name))
            return &spec;
    }
    return nullptr;
}

// Qt's own GUI options that take a value; QApplication removes them before we parse.
const QSet<QString> kQtOptionsWithValue = {
    QStringLiteral("-platform"),        QStringLiteral("-platformpluginpath"),
    QStringLiteral("-platformtheme"),   QStringLiteral("-plugin"),
    QStringLiteral("-qwindowgeometry"), QStringLiteral("-qwindowicon"),
    QStringLiteral("-qwindowtitle"),    QStringLiteral("-style"),
    QStringLiteral("-stylesheet"),      QStringLiteral("-display"),
    QStringLiteral("-geometry"),        QStringLiteral("-session"),
};
const QSet<QString> kQtFlags = {QStringLiteral("-reverse"), QStringLiteral("-widgetcount")};

void configure(QCommandLineParser &parser)
{
    parser.setApplicationDescription(QStringLiteral(
        "Millrace keeps machine-learning models in shape while new data streams in."));
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    parser.addOption(
        {QStringLiteral("headless"),
         QStringLiteral("Run the services without a window until SIGINT or SIGTERM.")});
    parser.addOption({QStringLiteral("workspace"),
                      QStringLiteral("Use the workspace in <dir> (default: %1).")
                          .arg(millrace::Workspace::defaultPath()),
                      QStringLiteral("dir")});
    parser.addOption({QStringLiteral("tracking-port"),
                      QStringLiteral("Serve the MLflow-compatible tracking API on 127.0.0.1:<port> "
                                     "(default: the workspace's tracking.port setting, else 5000; "
                                     "0 picks a free port)."),
                      QStringLiteral("port")});
    parser.addOption({QStringLiteral("example-dags"),
                      QStringLiteral("With --headless: put the shipped pipeline's DAGs into a "
                                     "workspace that never had them, with demo speed on (the GUI "
                                     "always does).")});
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("A command to run instead of the GUI (see below)."),
                                 QStringLiteral("[command [args...]]"));
}

} // namespace

bool wantsGui(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const QString argument = QString::fromLocal8Bit(argv[i]);
        if (argument == QLatin1String("--workspace")) {
            ++i;
            continue;
        }
        if (argument.startsWith(QLatin1String("--workspace="))
            || argument.startsWith(QLatin1String("--tracking-port=")))
            continue;
        if (argument == QLatin1String("--tracking-port")) {
            ++i;
            continue;
        }
        if (kQtOptionsWithValue.contains(argument)) {
            ++i;
            continue;
        }
        if (kQtFlags.contains(argument))
            continue;
        // Anything else (a command, --headless, --help, --version, an unknown option) is
        // handled without a window.
        return false;
    }
    return true;
}

Invocation parseCommandLine(const QStringList &arguments)
{
    QCommandLineParser parser;
    configure(parser);
    Invocation invocation;
    if (!parser.parse(arguments)) {
        invocation.mode = Invocation::Mode::UsageError;
        invocation.error = parser.errorText();
        return invocation;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        invocation.mode = Invocation::Mode::Help;
        return invocation;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        invocation.mode = Invocation::Mode::Version;
        return invocation;
    }
    if (parser.isSet(QStringLiteral("tracking-port"))) {
        bool ok = false;
        const uint port = parser.value(QStringLiteral("tracking-port")).toUInt(&ok);
        if (!ok || port > 65535) {
            invocation.mode = Invocation::Mode::UsageError;
            invocation.error = QStringLiteral("--tracking-port takes a port number (0-65535), not "
                                              "\"%1\"")
                                   .arg(parser.value(QStringLiteral("tracking-port")));
            return invocation;
        }
        invocation.trackingPort = quint16(port);
    }
    invocation.exampleDags = parser.isSet(QStringLiteral("example-dags"));
    invocation.workspace = parser.isSet(QStringLiteral("workspace"))
                               ? parser.value(QStringLiteral("workspace"))
                               : millrace::Workspace::defaultPath();
    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty()) {
        if (parser.isSet(QStringLiteral("headless"))) {
            invocation.mode = Invocation::Mode::UsageError;
            invocation.error = QStringLiteral("--headless takes no command");
            return invocation;
        }
        if (positional.first() == QLatin1String("help")) {
            // `millrace help COMMAND` is `millrace COMMAND --help`.
            if (positional.size() > 1) {
                if (!findCommand(positional.at(1))) {
                    invocation.mode = Invocation::Mode::UsageError;
                    invocation.error =
                        QStringLiteral("unknown command \"%1\"").arg(positional.at(1));
                    return invocation;
                }
                invocation.mode = Invocation::Mode::Command;
                invocation.command = {positional.at(1), QStringLiteral("--help")};
                return invocation;
            }
            invocation.mode = Invocation::Mode::Help;
            return invocation;
        }
        if (!findCommand(positional.first())) {
            invocation.mode = Invocation::Mode::UsageError;
            invocation.error = QStringLiteral("unknown command \"%1\"").arg(positional.first());
            return invocation;
        }
        invocation.mode = Invocation::Mode::Command;
        invocation.command = positional;
        return invocation;
    }
    invocation.mode = parser.isSet(QStringLiteral("headless")) ? Invocation::Mode::Headless
                                                               : Invocation::Mode::Gui;
    return invocation;
}

QString helpText()
{
    QCommandLineParser parser;
    configure(parser);
    QString text = parser.helpText();
    text += QStringLiteral("\nCommands:\n");
    for (const CommandSpec &spec : kCommands) {
        text += QStringLiteral("  %1 %2\n")
                    .arg(QLatin1String(spec.name), -10)
                    .arg(QLatin1String(spec.summary));
    }
    text += QStringLiteral("\n'millrace COMMAND --help' (or 'millrace help COMMAND') shows a "
                           "command's usage.\n");
    text += QStringLiteral("\nExit status: 0 ok, 1 failure (reason on stderr), 2 usage error.\n");
    return text;
}

int runCommand(const Invocation &invocation)
{
    const QString name = invocation.command.value(0);
    const CommandSpec *spec = findCommand(name);
    if (spec && wantsCommandHelp(invocation.command)) {
        QTextStream(stdout) << spec->usage();
        return ExitOk;
    }
    if (spec)
        return spec->run(invocation);
    QTextStream(stderr) << "millrace " << name << ": no such command\n";
    return ExitUsage;
}
