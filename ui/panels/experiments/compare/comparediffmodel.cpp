#include "ui/panels/experiments/compare/comparediffmodel.h"

#include "ui/panels/experiments/runkeys.h"

#include "ui/panels/experiments/keyedrows.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QDateTime>
#include <QFont>
#include <QLocale>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <optional>

namespace millrace::ui {

using tracking::Run;

namespace {

// Param values can be 6000 characters long; a cell shows the start, the tooltip more.
constexpr int kMaxCellText = 200;
constexpr int kMaxToolTipText = 2000;

// MLflow's own tags (mlflow.runName, mlflow.source.git.commit, ...) repeat the attributes or are
// noise in a comparison.
const QString kMlflowTagPrefix = QStringLiteral("mlflow.");

QString elided(const QString &text, int length)
{
    QString line = text.section(QLatin1Char('\n'), 0, 0);
    if (line.size() > length || line.size() < text.size())
        line = line.left(length) + QChar(0x2026);
    return line;
}

std::optional<double> latestMetric(const Run &run, const QString &key)
{
    for (const tracking::MetricPoint &point : run.latestMetrics) {
        if (point.key == key)
            return point.value;
    }
    return std::nullopt;
}

// NaN is "the same value" for a comparison: two runs that both diverged agree.
bool sameNumber(const std::optional<double> &a, const std::optional<double> &b)
{
    if (a.has_value() != b.has_value())
        return false;
    if (!a)
        return true;
    return *a == *b || (std::isnan(*a) && std::isnan(*b));
}

template <typename T, typename Same> bool allSame(const QList<T> &values, Same same)
{
    for (qsizetype i = 1; i < values.size(); ++i) {
        if (!same(values.first(), values.at(i)))
            return false;
    }
    return true;
}

} // namespace

CompareDiffModel::CompareDiffModel(QObject *parent)
    : QAbstractTableModel(parent), m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
}

void CompareDiffModel::setClock(std::function<qint64()> msSinceEpoch)
{
    m_clock = std::move(msSinceEpoch);
}

QList<CompareDiffModel::Row> CompareDiffModel::buildRows(const QList<Run> &runs) const
{
    QList<Row> rows;
    if (runs.isEmpty())
        return rows;

    // Text values compare as shown: a row is bold only when a reader can see the difference.
    auto addTextRow = [&](const QString &key, const QString &title, auto valueOf) {
        QList<std::optional<QString>> values;
        Row row{key, title, {}, {}, false};
        for (const Run &run : runs) {
            const std::optional<QString> value = valueOf(run);
            values.append(value);
            row.texts.append(value ? elided(*value, kMaxCellText) : QString());
            const bool longValue = value && row.texts.last() != *value;
            row.toolTips.append(longValue ? value->left(kMaxToolTipText) : QString());
        }
        row.differs = !allSame(values, std::equal_to<>());
        rows.append(row);
    };
    auto nonEmpty = [](const QString &text) {
        return text.isEmpty() ? std::nullopt : std::optional<QString>(text);
    };

    addTextRow(QStringLiteral("attributes.run_name"), tr("Run name"),
               [&](const Run &run) { return nonEmpty(run.info.runName); });
    addTextRow(QStringLiteral("attributes.status"), tr("Status"), [](const Run &run) {
        return std::optional<QString>(RunTableModel::statusText(run.info.status));
    });
    addTextRow(QStringLiteral("attributes.start_time"), tr("Start time"),
               [](const Run &run) -> std::optional<QString> {
                   if (!run.info.startTime)
                       return std::nullopt;
                   return QDateTime::fromMSecsSinceEpoch(*run.info.startTime)
                       .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
               });
    // Durations compare as shown ("3m 12s"), not to the millisecond, for the same reason.
    const qint64 now = m_clock();
    addTextRow(QStringLiteral("attributes.duration"), tr("Duration"),
               [now](const Run &run) -> std::optional<QString> {
                   if (!run.info.startTime)
                       return std::nullopt;
                   if (run.info.endTime)
                       return RunTableModel::durationText(*run.info.endTime - *run.info.startTime);
                   if (run.info.status == tracking::RunStatus::Running)
                       return RunTableModel::durationText(now - *run.info.startTime);
                   return std::nullopt;
               });
    addTextRow(QStringLiteral("attributes.user_id"), tr("User"),
               [&](const Run &run) { return nonEmpty(run.info.userId); });

    QSet<QString> paramSet;
    QSet<QString> metricSet;
    QSet<QString> tagSet;
    for (const Run &run : runs) {
        for (const tracking::KeyValue &item : run.params)
            paramSet.insert(item.key);
        for (const tracking::MetricPoint &point : run.latestMetrics)
            metricSet.insert(point.key);
        for (const tracking::KeyValue &item : run.tags) {
            if (!item.key.startsWith(kMlflowTagPrefix))
                tagSet.insert(item.key);
        }
    }
    QStringList paramKeys(paramSet.cbegin(), paramSet.cend());
    QStringList metricKeys(metricSet.cbegin(), metricSet.cend());
    QStringList tagKeys(tagSet.cbegin(), tagSet.cend());
    sortKeys(paramKeys);
    sortKeys(metricKeys);
    sortKeys(tagKeys);

    for (const QString &key : std::as_const(paramKeys)) {
        const QString rowKey = QStringLiteral("params.") + key;
        addTextRow(rowKey, rowKey, [&key](const Run &run) -> std::optional<QString> {
            const QString *found = run.params.find(key);
            return found ? std::optional<QString>(*found) : std::nullopt;
        });
    }

    // Metrics compare by value: 0.1234561 and 0.1234564 read the same with six digits but are
    // different results; the tooltip shows the full value so the bold row can be explained.
    for (const QString &key : std::as_const(metricKeys)) {
        const QString rowKey = QStringLiteral("metrics.") + key;
        Row row{rowKey, rowKey, {}, {}, false};
        QList<std::optional<double>> values;
        for (const Run &run : runs) {
            const std::optional<double> value = latestMetric(run, key);
            values.append(value);
            row.texts.append(value ? RunTableModel::metricText(*value) : QString());
            row.toolTips.append(value && std::isfinite(*value)
                                    ? QString::number(*value, 'g', QLocale::FloatingPointShortest)
                                    : QString());
        }
        row.differs = !allSame(values, sameNumber);
        rows.append(row);
    }

    for (const QString &key : std::as_const(tagKeys)) {
        const QString rowKey = QStringLiteral("tags.") + key;
        addTextRow(rowKey, rowKey, [&key](const Run &run) -> std::optional<QString> {
            const QString *found = run.tags.find(key);
            return found ? std::optional<QString>(*found) : std::nullopt;
        });
    }
    return rows;
}

QList<CompareDiffModel::Row> CompareDiffModel::shownRows() const
{
    if (!m_onlyDifferences)
        return m_allRows;
    QList<Row> rows;
    for (const Row &row : m_allRows) {
        if (row.differs)
            rows.append(row);
    }
    return rows;
}

void CompareDiffModel::syncShownRows()
{
    // Keyed row updates instead of a reset: the compare view reloads every second while runs
    // are live, and a reset would throw away its scroll position and selection.
    const QModelIndex root;
    syncKeyedRows(
        m_rows, shownRows(), [](const Row &row) { return row.key; },
        [](const Row &a, const Row &b) { return a == b; },
        KeyedRowsNotifier{
            [&](int first, int last) { beginRemoveRows(root, first, last); },
            [&] { endRemoveRows(); },
            [&](int first, int last) { beginInsertRows(root, first, last); },
            [&] { endInsertRows(); },
            [&](int from, int to) { beginMoveRows(root, from, from, root, to); },
            [&] { endMoveRows(); },
            [&](int row) {
                Q_EMIT dataChanged(index(row, 0), index(row, columnCount() - 1));
                Q_EMIT headerDataChanged(Qt::Vertical, row, row);
            },
        });
}

void CompareDiffModel::setRuns(const QList<Run> &runs)
{
    QList<Column> columns;
    columns.reserve(runs.size());
    for (const Run &run : runs) {
        columns.append(
            Column{run.info.runId, run.info.runName.isEmpty() ? run.info.runId : run.info.runName});
    }
    QList<Row> allRows = buildRows(runs);

    bool sameRunIds = columns.size() == m_columns.size();
    for (qsizetype i = 0; sameRunIds && i < columns.size(); ++i)
        sameRunIds = columns.at(i).runId == m_columns.at(i).runId;
    if (!sameRunIds) {
        // Other runs: every cell changes meaning, so a reset is the honest notification.
        beginResetModel();
        m_columns = std::move(columns);
        m_allRows = std::move(allRows);
        m_rows = shownRows();
        endResetModel();
        return;
    }

    m_allRows = std::move(allRows);
    syncShownRows();
    if (columns != m_columns) {
        m_columns = std::move(columns);
        Q_EMIT headerDataChanged(Qt::Horizontal, 0, int(m_columns.size()) - 1);
    }
}

void CompareDiffModel::setOnlyDifferences(bool only)
{
    if (only == m_onlyDifferences)
        return;
    m_onlyDifferences = only;
    syncShownRows();
}

int CompareDiffModel::differingRowCount() const
{
    return int(std::count_if(m_allRows.cbegin(), m_allRows.cend(),
                             [](const Row &row) { return row.differs; }));
}

QString CompareDiffModel::rowKey(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? m_rows.at(row).key : QString();
}

int CompareDiffModel::rowOfKey(const QString &key) const
{
    for (int row = 0; row < int(m_rows.size()); ++row) {
        if (m_rows.at(row).key == key)
            return row;
    }
    return -1;
}

QString CompareDiffModel::runIdAt(int column) const
{
    return column >= 0 && column < int(m_columns.size()) ? m_columns.at(column).runId : QString();
}

int CompareDiffModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CompareDiffModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant CompareDiffModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return row.texts.at(index.column());
    case Qt::ToolTipRole: {
        const QString &toolTip = row.toolTips.at(index.column());
        return toolTip.isEmpty() ? QVariant() : QVariant(toolTip);
    }
    case Qt::FontRole:
        if (row.differs) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case DiffersRole:
        return row.differs;
    }
    return {};
}

QVariant CompareDiffModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal) {
        if (section < 0 || section >= int(m_columns.size()))
            return {};
        const Column &column = m_columns.at(section);
        if (role == Qt::DisplayRole)
            return column.title;
        if (role == Qt::ToolTipRole)
            return column.runId;
        return {};
    }
    if (section < 0 || section >= int(m_rows.size()))
        return {};
    const Row &row = m_rows.at(section);
    switch (role) {
    case Qt::DisplayRole:
        return row.title;
    case Qt::ToolTipRole:
        return row.differs ? tr("%1: the runs differ").arg(row.key)
                           : tr("%1: the same in all runs").arg(row.key);
    case RowKeyRole:
        return row.key;
    case DiffersRole:
        return row.differs;
    case Qt::FontRole:
        if (row.differs) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    }
    return {};
}

} // namespace millrace::ui
