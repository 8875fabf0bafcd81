#include "ui/panels/experiments/trackingqueries.h"

#include "core/store/store.h"
#include "core/tracking/searchfilter.h"
#include "core/tracking/trackingstore.h"

#include <QCollator>
#include <QHash>
#include <QSet>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>

namespace millrace::ui {

namespace {

// The experiment list is read a page at a time, as the REST API would.
constexpr int kPageSize = 1000;

tracking::ViewType viewType(bool includeDeleted)
{
    return includeDeleted ? tracking::ViewType::All : tracking::ViewType::ActiveOnly;
}

// The numbers of the first row of `query`, or an empty list when there is none. The queries below
// only add up integers, so equal data always gives equal numbers.
QList<double> numbers(SQLite::Statement &query)
{
    QList<double> values;
    if (!query.executeStep())
        return values;
    for (int column = 0; column < query.getColumnCount(); ++column)
        values.append(query.getColumn(column).getDouble());
    return values;
}

} // namespace

Result<QList<ExperimentEntry>> loadExperimentEntries(const tracking::TrackingStore &tracking,
                                                     const Store &store, bool includeDeleted)
{
    QList<ExperimentEntry> entries;
    QSet<QString> seen;
    QString token;
    do {
        auto page = tracking.searchExperiments(viewType(includeDeleted), kPageSize, token);
        if (!page)
            return page.error();
        for (const tracking::Experiment &experiment : std::as_const(page->items)) {
            // Pages are read one after the other; an experiment created in between can shift one
            // onto the next page twice.
            if (!seen.contains(experiment.id)) {
                seen.insert(experiment.id);
                entries.append({experiment, 0, std::nullopt});
            }
        }
        token = page->nextPageToken;
    } while (!token.isEmpty());

    auto counts = store.read([](SQLite::Database &db) {
        QHash<QString, QPair<int, qint64>> counted;
        SQLite::Statement query(db, "SELECT experiment_id, count(*), max(start_time) FROM runs "
                                    "WHERE lifecycle_stage = 'active' GROUP BY experiment_id");
        while (query.executeStep())
            counted.insert(QString::number(query.getColumn(0).getInt64()),
                           {query.getColumn(1).getInt(), query.getColumn(2).isNull()
                                                             ? qint64(-1)
                                                             : query.getColumn(2).getInt64()});
        return counted;
    });
    if (!counts)
        return counts.error();
    for (ExperimentEntry &entry : entries) {
        const auto found = counts->constFind(entry.experiment.id);
        if (found == counts->cend())
            continue;
        entry.runCount = found->first;
        if (found->second >= 0)
            entry.lastRunStart = found->second;
    }

    QCollator collator;
    collator.setCaseSensitivity(Qt::CaseInsensitive);
    collator.setNumericMode(true);
    std::stable_sort(entries.begin(), entries.end(),
                     [&collator](const ExperimentEntry &a, const ExperimentEntry &b) {
                         return collator.compare(a.experiment.name, b.experiment.name) < 0;
                     });
    return entries;
}

Result<RunListing> loadRuns(const tracking::TrackingStore &tracking,
                            const QStringList &experimentIds, const QString &filter,
                            bool includeDeleted, int maxRuns)
{
    RunListing listing;
    if (experimentIds.isEmpty()) {
        // Nothing to search, but a bad filter is still worth saying so.
        auto parsed = tracking::parseFilter(filter);
        if (!parsed)
            return parsed.error();
        return listing;
    }
    // One search for all of them, not page after page as the REST API reads: every page ran the
    // ordered query again up to its offset, and one read sees a single state of the store, so
    // no run can show up twice or go missing between pages.
    auto found = tracking.searchRuns(experimentIds, filter, viewType(includeDeleted), maxRuns, {},
                                     QString());
    if (!found)
        return found.error();
    listing.runs = std::move(found->items);
    listing.keys = collectRunKeys(listing.runs);
    listing.truncated = !found->nextPageToken.isEmpty();
    return listing;
}

Result<ChangeStamp> readChangeStamp(const Store &store, const QStringList &experimentIds)
{
    QList<qint64> ids;
    for (const QString &id : experimentIds) {
        bool ok = false;
        const qint64 number = id.toLongLong(&ok);
        if (ok)
            ids.append(number);
    }
    return store.read([&ids](SQLite::Database &db) {
        ChangeStamp stamp;
        // Each row adds a hash of what the panel shows of it, reduced modulo 2^31 - 1 so a sum
        // over millions of rows stays an exact integer (also as a double). Weighting by the row's
        // key tells which row changed, so two changes rarely cancel out. Experiments change their
        // last update time on every change of their own; run counts follow the runs table.
        SQLite::Statement experiments(
            db, "SELECT count(*),"
                " coalesce(sum((experiment_id * 1009 + last_update_time % 2147483647"
                "   + 7 * (lifecycle_stage = 'deleted') + 31 * length(name)) % 2147483647), 0),"
                " (SELECT count(*) FROM runs),"
                " (SELECT coalesce(max(run_key), 0) FROM runs),"
                " (SELECT coalesce(sum(run_key * (lifecycle_stage = 'deleted')), 0) FROM runs)"
                " FROM experiments");
        stamp.experiments = numbers(experiments);
        if (ids.isEmpty())
            return stamp;

        QString marks;
        for (qsizetype i = 0; i < ids.size(); ++i)
            marks += i == 0 ? QStringLiteral("?") : QStringLiteral(", ?");
        // Triggers move an experiment's counter on every change to its runs, their params,
        // tags and latest metrics (schema version 3); counters only grow.
        const QString sql = QStringLiteral("SELECT count(*), coalesce(sum(changes), 0) FROM "
                                           "run_changes WHERE experiment_id IN (%1)")
                                .arg(marks);
        SQLite::Statement runs(db, sql.toStdString());
        int bind = 1;
        for (qint64 id : std::as_const(ids))
            runs.bind(bind++, static_cast<int64_t>(id));
        stamp.runs = numbers(runs);
        return stamp;
    });
}

} // namespace millrace::ui
