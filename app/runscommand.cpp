#include "app/runscommand.h"

#include "app/commandline.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/tracking/trackingjson.h"
#include "core/tracking/trackingstore.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

using namespace millrace;
using namespace millrace::tracking;

namespace {

constexpr char kUsage[] =
    "usage: millrace [--workspace DIR] runs list   [--experiment NAME|ID]... [--deleted|--all]\n"
    "                                              [--order-by CLAUSE]... [--max N] [--json]\n"
    "       millrace [--workspace DIR] runs search FILTER [same options as list]\n"
    "       millrace [--workspace DIR] runs show   RUN_ID [--json]\n"
    "FILTER uses MLflow's syntax plus OR and parentheses, e.g.\n"
    "  \"metrics.acc > 0.9 and (params.lr = '0.01' or tags.team LIKE '%vision%')\"\n";

int usage(const QString &problem)
{
    QTextStream(stderr) << "millrace runs: " << problem << "\n" << kUsage;
    return ExitUsage;
}

int failure(const QString &message)
{
    QTextStream(stderr) << "millrace runs: " << message << "\n";
    return ExitFailure;
}

QString formatTime(std::optional<qint64> ms)
{
    return ms ? QDateTime::fromMSecsSinceEpoch(*ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
              : QStringLiteral("-");
}

// A plain table: one line per run, the latest value of each metric at the end.
void printTable(const QList<Run> &runs, const QMap<QString, QString> &experimentNames)
{
    QTextStream out(stdout);
    out << QStringLiteral("%1  %2  %3  %4  %5  %6\n")
               .arg(QStringLiteral("RUN ID"), -32)
               .arg(QStringLiteral("NAME"), -24)
               .arg(QStringLiteral("EXPERIMENT"), -16)
               .arg(QStringLiteral("STATUS"), -8)
               .arg(QStringLiteral("STARTED"), -19)
               .arg(QStringLiteral("METRICS"));
    for (const Run &run : runs) {
        QStringList metrics;
        for (const MetricPoint &point : run.latestMetrics)
            metrics.append(QStringLiteral("%1=%2").arg(point.key).arg(point.value, 0, 'g', 6));
        out << QStringLiteral("%1  %2  %3  %4  %5  %6\n")
                   .arg(run.info.runId, -32)
                   .arg(run.info.runName.left(24), -24)
                   .arg(
                       experimentNames.value(run.info.experimentId, run.info.experimentId).left(16),
                       -16)
                   .arg(toString(run.info.status), -8)
                   .arg(formatTime(run.info.startTime), -19)
                   .arg(metrics.join(QStringLiteral(" ")));
    }
}

void printJson(const QJsonValue &value)
{
    QTextStream(stdout) << QJsonDocument(value.isArray() ? QJsonDocument(value.toArray())
                                                         : QJsonDocument(value.toObject()))
                               .toJson(QJsonDocument::Indented);
}

} // namespace

const char *runsUsage()
{
    return kUsage;
}

int runRunsCommand(const Invocation &invocation)
{
    QStringList args = invocation.command;
    const QString action = args.value(1);
    if (action != QLatin1String("list") && action != QLatin1String("search")
        && action != QLatin1String("show"))
        return usage(action.isEmpty() ? QStringLiteral("which runs command?")
                                      : QStringLiteral("unknown runs command \"%1\"").arg(action));

    QCommandLineParser parser;
    parser.addOption({QStringLiteral("experiment"), QString(), QStringLiteral("name-or-id")});
    parser.addOption({QStringLiteral("order-by"), QString(), QStringLiteral("clause")});
    parser.addOption({QStringLiteral("max"), QString(), QStringLiteral("n")});
    parser.addOption({QStringLiteral("deleted"), QString()});
    parser.addOption({QStringLiteral("all"), QString()});
    parser.addOption({QStringLiteral("json"), QString()});
    // The parser expects a program name first.
    if (!parser.parse(QStringList{QStringLiteral("millrace-runs")} + args.mid(2)))
        return usage(parser.errorText());
    const QStringList positional = parser.positionalArguments();
    const bool json = parser.isSet(QStringLiteral("json"));

    const QString database = QDir(invocation.workspace).filePath(QStringLiteral("millrace.db"));
    auto store = Store::openReadOnly(database, millraceMigrations(), kMillraceApplicationId);
    if (!store)
        return failure(store.errorMessage());
    TrackingStore tracking(**store,
                           QDir(invocation.workspace).filePath(QStringLiteral("artifacts")));

    if (action == QLatin1String("show")) {
        if (positional.size() != 1)
            return usage(QStringLiteral("show takes one run id"));
        Result<Run> run = tracking.run(positional.first());
        if (!run)
            return failure(run.errorMessage());
        if (json) {
            printJson(runJson(*run));
            return ExitOk;
        }
        QTextStream out(stdout);
        out << "run:        " << run->info.runId << "\n"
            << "name:       " << run->info.runName << "\n"
            << "experiment: " << run->info.experimentId << "\n"
            << "status:     " << toString(run->info.status) << "\n"
            << "started:    " << formatTime(run->info.startTime) << "\n"
            << "ended:      " << formatTime(run->info.endTime) << "\n"
            << "artifacts:  " << run->info.artifactUri << "\n";
        out << "params:\n";
        for (const KeyValue &item : run->params)
            out << "  " << item.key << " = " << item.value << "\n";
        out << "metrics (latest):\n";
        for (const MetricPoint &point : run->latestMetrics)
            out << "  " << point.key << " = " << point.value << " (step " << point.step << ")\n";
        out << "tags:\n";
        for (const KeyValue &item : run->tags)
            out << "  " << item.key << " = " << item.value << "\n";
        return ExitOk;
    }

    QString filter;
    if (action == QLatin1String("search")) {
        if (positional.size() != 1)
            return usage(QStringLiteral("search takes one filter (quote it)"));
        filter = positional.first();
    } else if (!positional.isEmpty()) {
        return usage(QStringLiteral("list takes no filter; use runs search"));
    }
    int maxResults = 1000;
    if (parser.isSet(QStringLiteral("max"))) {
        bool ok = false;
        maxResults = parser.value(QStringLiteral("max")).toInt(&ok);
        if (!ok || maxResults <= 0)
            return usage(QStringLiteral("--max takes a positive number"));
    }
    const ViewType view = parser.isSet(QStringLiteral("all"))       ? ViewType::All
                          : parser.isSet(QStringLiteral("deleted")) ? ViewType::DeletedOnly
                                                                    : ViewType::ActiveOnly;

    // Experiments: the ones named, or every experiment.
    Result<Page<Experiment>> experiments =
        tracking.searchExperiments(ViewType::All, 100000, QString());
    if (!experiments)
        return failure(experiments.errorMessage());
    QMap<QString, QString> names;
    for (const Experiment &experiment : experiments->items)
        names.insert(experiment.id, experiment.name);
    QStringList experimentIds;
    const QStringList wanted = parser.values(QStringLiteral("experiment"));
    for (const QString &nameOrId : wanted) {
        QString id;
        for (auto it = names.cbegin(); it != names.cend(); ++it) {
            if (it.key() == nameOrId || it.value() == nameOrId)
                id = it.key();
        }
        if (id.isEmpty())
            return failure(QStringLiteral("no experiment named or numbered \"%1\"").arg(nameOrId));
        experimentIds.append(id);
    }
    if (wanted.isEmpty())
        experimentIds = names.keys();

    Result<Page<Run>> runs =
        tracking.searchRuns(experimentIds, filter, view, maxResults,
                            parser.values(QStringLiteral("order-by")), QString());
    if (!runs)
        return failure(runs.errorMessage());
    if (json) {
        QJsonArray array;
        for (const Run &run : runs->items)
            array.append(runJson(run));
        printJson(array);
    } else {
        printTable(runs->items, names);
    }
    return ExitOk;
}
