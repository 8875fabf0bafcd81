#include "app/modelscommand.h"

#include "app/commandline.h"
#include "app/openregistry.h"
#include "core/base/loginname.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registryjson.h"
#include "core/registry/registrystore.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/training/registeredmodels.h"
#include "core/workspace/workspace.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

#include <memory>

using namespace millrace;
using namespace millrace::registry;

namespace {

constexpr char kUsage[] =
    "usage: millrace [--workspace DIR] models list [--json]\n"
    "       millrace [--workspace DIR] models show NAME [VERSION] [--json]\n"
    "       millrace [--workspace DIR] models register NAME RUN_ID [--path PATH] [--json]\n"
    "       millrace [--workspace DIR] models promote NAME VERSION STAGE [--archive-existing]\n"
    "                                  [--reason TEXT] [--json]\n"
    "       millrace [--workspace DIR] models alias NAME ALIAS VERSION [--reason TEXT]\n"
    "       millrace [--workspace DIR] models alias NAME ALIAS --delete\n"
    "       millrace [--workspace DIR] models export-onnx NAME VERSION OUTDIR [--opset N] "
    "[--json]\n"
    "STAGE is None, Staging, Production or Archived. register copies the run's model folder\n"
    "(PATH, default \"model\") into the registry as the model's next version, creating the\n"
    "model if needed.\n";

int usage(const QString &problem)
{
    QTextStream(stderr) << "millrace models: " << problem << "\n" << kUsage;
    return ExitUsage;
}

int failure(const QString &message)
{
    QTextStream(stderr) << "millrace models: " << message << "\n";
    return ExitFailure;
}

void printJson(const QJsonObject &object)
{
    QTextStream(stdout) << QJsonDocument(object).toJson(QJsonDocument::Indented);
}

QString formatTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

// Who changes the registry from the command line, for its history.
Actor commandLineActor(const QString &reason)
{
    return {QStringLiteral("%1 (millrace CLI)").arg(loginName()), reason};
}

std::optional<qint64> versionNumber(const QString &text)
{
    bool ok = false;
    const qint64 version = text.toLongLong(&ok);
    return ok && version > 0 ? std::optional<qint64>(version) : std::nullopt;
}

QString stagesSummary(const RegisteredModel &model)
{
    QStringList parts;
    for (const ModelVersion &version : model.latestVersions)
        parts.append(QStringLiteral("%1=v%2").arg(toString(version.stage)).arg(version.version));
    return parts.join(QLatin1Char(' '));
}

QString aliasesSummary(const RegisteredModel &model)
{
    QStringList parts;
    for (const ModelAlias &alias : model.aliases)
        parts.append(QStringLiteral("%1=v%2").arg(alias.alias).arg(alias.version));
    return parts.join(QLatin1Char(' '));
}

void printVersionLine(QTextStream &out, const ModelVersion &version)
{
    out << QStringLiteral("  v%1  %2  %3  %4  %5  %6\n")
               .arg(version.version, -4)
               .arg(toString(version.stage), -10)
               .arg(toString(version.status), -19)
               .arg(formatTime(version.creationTime), -19)
               .arg(version.runId.isEmpty() ? QStringLiteral("-") : version.runId, -32)
               .arg(version.aliases.join(QLatin1Char(',')));
}

QString describe(const RegistryEvent &event)
{
    switch (event.kind) {
    case EventKind::Created:
        return QStringLiteral("v%1 registered").arg(event.version);
    case EventKind::StageChanged:
        return QStringLiteral("v%1 %2 -> %3")
            .arg(event.version)
            .arg(event.fromStage ? toString(*event.fromStage) : QStringLiteral("?"),
                 event.toStage ? toString(*event.toStage) : QStringLiteral("?"));
    case EventKind::AliasSet:
        return event.previousVersion > 0
                   ? QStringLiteral("alias %1: v%2 -> v%3")
                         .arg(event.alias)
                         .arg(event.previousVersion)
                         .arg(event.version)
                   : QStringLiteral("alias %1 -> v%2").arg(event.alias).arg(event.version);
    case EventKind::AliasDeleted:
        return QStringLiteral("alias %1 removed (was v%2)").arg(event.alias).arg(event.version);
    case EventKind::Decision:
        return QStringLiteral("v%1 judged: %2")
            .arg(event.version)
            .arg(event.evaluation.value(QStringLiteral("promote")).toBool()
                     ? QStringLiteral("promote")
                     : QStringLiteral("keep the champion"));
    case EventKind::Deleted:
        return QStringLiteral("v%1 deleted").arg(event.version);
    }
    return QString();
}

QJsonObject eventJson(const RegistryEvent &event)
{
    QJsonObject json{{QStringLiteral("time"), event.time},
                     {QStringLiteral("kind"), toString(event.kind)},
                     {QStringLiteral("version"), QString::number(event.version)},
                     {QStringLiteral("actor"), event.actor}};
    if (event.fromStage)
        json.insert(QStringLiteral("from_stage"), toString(*event.fromStage));
    if (event.toStage)
        json.insert(QStringLiteral("to_stage"), toString(*event.toStage));
    if (!event.alias.isEmpty())
        json.insert(QStringLiteral("alias"), event.alias);
    if (event.previousVersion > 0)
        json.insert(QStringLiteral("previous_version"), QString::number(event.previousVersion));
    if (!event.reason.isEmpty())
        json.insert(QStringLiteral("reason"), event.reason);
    if (!event.evaluation.isEmpty())
        json.insert(QStringLiteral("evaluation"), event.evaluation);
    return json;
}

int listModels(RegistryStore &registry, bool json)
{
    QList<RegisteredModel> models;
    QString token;
    do {
        auto page = registry.searchRegisteredModels(QString(), 1000, {}, token);
        if (!page)
            return failure(page.errorMessage());
        models += page->items;
        token = page->nextPageToken;
    } while (!token.isEmpty());
    if (json) {
        QJsonArray array;
        for (const RegisteredModel &model : models)
            array.append(registeredModelJson(model));
        printJson({{QStringLiteral("registered_models"), array}});
        return ExitOk;
    }
    QTextStream out(stdout);
    out << QStringLiteral("%1  %2  %3  %4\n")
               .arg(QStringLiteral("NAME"), -24)
               .arg(QStringLiteral("UPDATED"), -19)
               .arg(QStringLiteral("LATEST PER STAGE"), -36)
               .arg(QStringLiteral("ALIASES"));
    for (const RegisteredModel &model : models)
        out << QStringLiteral("%1  %2  %3  %4\n")
                   .arg(model.name, -24)
                   .arg(formatTime(model.lastUpdatedTime), -19)
                   .arg(stagesSummary(model), -36)
                   .arg(aliasesSummary(model));
    return ExitOk;
}

int showModel(RegistryStore &registry, const QString &name, bool json)
{
    auto model = registry.registeredModel(name);
    if (!model)
        return failure(model.errorMessage());
    auto versions = registry.searchModelVersions(
        QStringLiteral("name = '%1'").arg(QString(name).replace(QLatin1Char('\''), "\\'")), 200000,
        {QStringLiteral("version_number DESC")}, QString());
    if (!versions)
        return failure(versions.errorMessage());
    auto events = registry.history(name);
    if (!events)
        return failure(events.errorMessage());
    if (json) {
        QJsonArray versionArray;
        for (const ModelVersion &version : versions->items)
            versionArray.append(modelVersionJson(version, true));
        QJsonArray history;
        for (const RegistryEvent &event : *events)
            history.append(eventJson(event));
        printJson({{QStringLiteral("registered_model"), registeredModelJson(*model)},
                   {QStringLiteral("model_versions"), versionArray},
                   {QStringLiteral("history"), history}});
        return ExitOk;
    }
    QTextStream out(stdout);
    out << "model:       " << model->name << "\n"
        << "description: " << model->description << "\n"
        << "created:     " << formatTime(model->creationTime) << "\n"
        << "updated:     " << formatTime(model->lastUpdatedTime) << "\n"
        << "aliases:     " << aliasesSummary(*model) << "\n";
    for (const auto &tag : model->tags)
        out << "tag:         " << tag.key << " = " << tag.value << "\n";
    out << "versions:\n";
    for (const ModelVersion &version : versions->items)
        printVersionLine(out, version);
    out << "history:\n";
    for (const RegistryEvent &event : *events) {
        out << "  " << formatTime(event.time) << "  " << describe(event) << "  by " << event.actor;
        if (!event.reason.isEmpty())
            out << ": " << event.reason;
        out << "\n";
    }
    return ExitOk;
}

int showVersion(RegistryStore &registry, const QString &name, qint64 number, bool json)
{
    auto version = registry.modelVersion(name, number);
    if (!version)
        return failure(version.errorMessage());
    if (json) {
        printJson({{QStringLiteral("model_version"), modelVersionJson(*version, true)}});
        return ExitOk;
    }
    QTextStream out(stdout);
    out << "model:       " << version->name << "\n"
        << "version:     " << version->version << "\n"
        << "stage:       " << toString(version->stage) << "\n"
        << "status:      " << toString(version->status) << "\n";
    if (!version->statusMessage.isEmpty())
        out << "status note: " << version->statusMessage << "\n";
    out << "aliases:     " << version->aliases.join(QLatin1Char(',')) << "\n"
        << "created:     " << formatTime(version->creationTime) << "\n"
        << "source:      " << version->source << "\n"
        << "run:         " << version->runId << "\n"
        << "files:       " << version->directory << "\n"
        << "description: " << version->description << "\n";
    for (const auto &tag : version->tags)
        out << "tag:         " << tag.key << " = " << tag.value << "\n";
    return ExitOk;
}

} // namespace

const char *modelsUsage()
{
    return kUsage;
}

int runModelsCommand(const Invocation &invocation)
{
    const QStringList args = invocation.command;
    const QString action = args.value(1);
    static const QStringList actions = {QStringLiteral("list"),     QStringLiteral("show"),
                                        QStringLiteral("register"), QStringLiteral("promote"),
                                        QStringLiteral("alias"),    QStringLiteral("export-onnx")};
    if (!actions.contains(action))
        return usage(action.isEmpty()
                         ? QStringLiteral("which models command?")
                         : QStringLiteral("unknown models command \"%1\"").arg(action));

    QCommandLineParser parser;
    parser.addOption({QStringLiteral("json"), QString()});
    parser.addOption({QStringLiteral("archive-existing"), QString()});
    parser.addOption({QStringLiteral("delete"), QString()});
    parser.addOption({QStringLiteral("reason"), QString(), QStringLiteral("text")});
    parser.addOption({QStringLiteral("path"), QString(), QStringLiteral("path")});
    parser.addOption({QStringLiteral("opset"), QString(), QStringLiteral("n")});
    if (!parser.parse(QStringList{QStringLiteral("millrace-models")} + args.mid(2)))
        return usage(parser.errorText());
    const QStringList positional = parser.positionalArguments();
    const bool json = parser.isSet(QStringLiteral("json"));
    const QString reason = parser.value(QStringLiteral("reason"));

    const bool writes = action == QLatin1String("register") || action == QLatin1String("promote")
                        || action == QLatin1String("alias");
    auto open = openRegistry(invocation.workspace, writes);
    if (!open)
        return failure(open.errorMessage());
    RegistryStore &registry = *open->registry;

    if (action == QLatin1String("list")) {
        if (!positional.isEmpty())
            return usage(QStringLiteral("list takes no arguments"));
        return listModels(registry, json);
    }
    if (action == QLatin1String("show")) {
        if (positional.size() == 1)
            return showModel(registry, positional.first(), json);
        if (positional.size() != 2)
            return usage(QStringLiteral("show takes a model name and optionally a version"));
        const auto version = versionNumber(positional.at(1));
        if (!version)
            return usage(QStringLiteral("\"%1\" is not a version number").arg(positional.at(1)));
        return showVersion(registry, positional.first(), *version, json);
    }
    if (action == QLatin1String("register")) {
        if (positional.size() != 2)
            return usage(QStringLiteral("register takes a model name and a run id"));
        const QString &name = positional.at(0);
        const bool newModel = !registry.registeredModel(name);
        if (newModel) {
            if (auto created = registry.createRegisteredModel(name); !created)
                return failure(created.errorMessage());
        }
        // A model made for a version that then cannot be registered goes again.
        const auto dropNewModel = [&] {
            if (newModel)
                (void)registry.deleteRegisteredModel(name);
        };
        const QString path = parser.value(QStringLiteral("path")).isEmpty()
                                 ? QStringLiteral("model")
                                 : parser.value(QStringLiteral("path"));
        auto version =
            registry.createModelVersion({name,
                                         QStringLiteral("runs:/%1/%2").arg(positional.at(1), path),
                                         positional.at(1),
                                         QString(),
                                         QString(),
                                         {}},
                                        commandLineActor(reason));
        if (!version) {
            dropNewModel();
            return failure(version.errorMessage());
        }
        if (version->status != VersionStatus::Ready)
            return failure(QStringLiteral("version %1 of %2 failed to register: %3")
                               .arg(version->version)
                               .arg(name, version->statusMessage));
        if (json)
            printJson({{QStringLiteral("model_version"), modelVersionJson(*version, true)}});
        else
            QTextStream(stdout) << "registered " << name << " version " << version->version
                                << " from run " << positional.at(1) << "\n";
        return ExitOk;
    }
    if (action == QLatin1String("promote")) {
        if (positional.size() != 3)
            return usage(QStringLiteral("promote takes a model name, a version and a stage"));
        const auto version = versionNumber(positional.at(1));
        if (!version)
            return usage(QStringLiteral("\"%1\" is not a version number").arg(positional.at(1)));
        const auto stage = stageFromString(positional.at(2));
        if (!stage)
            return usage(QStringLiteral("\"%1\" is not a stage (None, Staging, Production, "
                                        "Archived)")
                             .arg(positional.at(2)));
        auto moved = registry.transitionStage(positional.at(0), *version, *stage,
                                              parser.isSet(QStringLiteral("archive-existing")),
                                              commandLineActor(reason));
        if (!moved)
            return failure(moved.errorMessage());
        if (json)
            printJson({{QStringLiteral("model_version"), modelVersionJson(*moved, true)}});
        else
            QTextStream(stdout) << positional.at(0) << " version " << *version << " is now in "
                                << toString(moved->stage) << "\n";
        return ExitOk;
    }
    if (action == QLatin1String("alias")) {
        const bool remove = parser.isSet(QStringLiteral("delete"));
        if (positional.size() != (remove ? 2 : 3))
            return usage(remove ? QStringLiteral("alias --delete takes a model name and an alias")
                                : QStringLiteral("alias takes a model name, an alias and a "
                                                 "version"));
        if (remove) {
            if (auto removed = registry.deleteAlias(positional.at(0), positional.at(1),
                                                    commandLineActor(reason));
                !removed)
                return failure(removed.errorMessage());
            QTextStream(stdout) << "alias " << positional.at(1) << " of " << positional.at(0)
                                << " removed\n";
            return ExitOk;
        }
        const auto version = versionNumber(positional.at(2));
        if (!version)
            return usage(QStringLiteral("\"%1\" is not a version number").arg(positional.at(2)));
        if (auto set = registry.setAlias(positional.at(0), positional.at(1), *version,
                                         commandLineActor(reason));
            !set)
            return failure(set.errorMessage());
        QTextStream(stdout) << "alias " << positional.at(1) << " of " << positional.at(0)
                            << " -> version " << *version << "\n";
        return ExitOk;
    }

    // export-onnx
    if (positional.size() != 3)
        return usage(QStringLiteral("export-onnx takes a model name, a version and a folder"));
    const auto version = versionNumber(positional.at(1));
    if (!version)
        return usage(QStringLiteral("\"%1\" is not a version number").arg(positional.at(1)));
    ml::OnnxExportOptions options;
    if (parser.isSet(QStringLiteral("opset"))) {
        bool ok = false;
        options.opset = parser.value(QStringLiteral("opset")).toInt(&ok);
        if (!ok || options.opset < ml::kOnnxMinimumOpset || options.opset > ml::kOnnxMaximumOpset)
            return usage(QStringLiteral("--opset takes %1 to %2")
                             .arg(ml::kOnnxMinimumOpset)
                             .arg(ml::kOnnxMaximumOpset));
    }
    PluginManager plugins;
    plugins.load(PluginManager::defaultSearchPaths());
    auto report =
        training::exportVersionToOnnx(registry, training::pluginArchitectures(plugins),
                                      positional.at(0), *version, positional.at(2), options);
    if (!report)
        return failure(report.errorMessage());
    if (json) {
        QJsonArray files;
        for (const std::string &file : report->files)
            files.append(QString::fromStdString(file));
        printJson({{QStringLiteral("model_path"), QString::fromStdString(report->modelPath)},
                   {QStringLiteral("model_bytes"), qint64(report->modelBytes)},
                   {QStringLiteral("opset"), report->opset},
                   {QStringLiteral("checker"), QString::fromStdString(report->checkerVerdict)},
                   {QStringLiteral("nodes"), qint64(report->nodeCount)},
                   {QStringLiteral("input"), QString::fromStdString(report->input.name)},
                   {QStringLiteral("output"), QString::fromStdString(report->output.name)},
                   {QStringLiteral("files"), files}});
        return ExitOk;
    }
    QTextStream(stdout) << "exported " << positional.at(0) << " version " << *version << " to "
                        << QString::fromStdString(report->modelPath) << "\n"
                        << "  opset " << report->opset << ", " << report->modelBytes << " bytes, "
                        << report->nodeCount
                        << " nodes, checker: " << QString::fromStdString(report->checkerVerdict)
                        << "\n"
                        << "  input: " << QString::fromStdString(report->inputDescription) << "\n"
                        << "  serve it with: mlflow models serve -m "
                        << QDir(positional.at(2)).absolutePath() << " --env-manager local\n";
    return ExitOk;
}
