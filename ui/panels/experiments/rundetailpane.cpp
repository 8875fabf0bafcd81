#include "ui/panels/experiments/rundetailpane.h"

#include "ui/panels/experiments/keyvaluemodel.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <array>
#include <cmath>
#include <tuple>

namespace millrace::ui {

namespace {

QString timeText(std::optional<qint64> ms)
{
    if (!ms)
        return QStringLiteral("—");
    return QDateTime::fromMSecsSinceEpoch(*ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString exactMetric(double value)
{
    if (!std::isfinite(value))
        return RunTableModel::metricText(value);
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

QLabel *sectionTitle(QWidget *parent)
{
    auto *title = new QLabel(parent);
    QFont font = title->font();
    font.setBold(true);
    title->setFont(font);
    return title;
}

} // namespace

RunDetailPane::RunDetailPane(QWidget *parent)
    : QWidget(parent), m_pages(new QStackedWidget(this)), m_detailPage(new QWidget),
      m_params(new KeyValueModel({tr("Param"), tr("Value")}, this)),
      m_metrics(new KeyValueModel({tr("Metric"), tr("Latest value"), tr("Step")}, this)),
      m_tags(new KeyValueModel({tr("Tag"), tr("Value")}, this))
{
    setObjectName(QStringLiteral("runDetail"));

    auto *hint = new QLabel(tr("Select a run to see its params, metrics and tags."));
    hint->setObjectName(QStringLiteral("runDetailHint"));
    hint->setAlignment(Qt::AlignCenter);
    hint->setForegroundRole(QPalette::PlaceholderText);

    m_name = new QLabel;
    m_name->setObjectName(QStringLiteral("runDetailName"));
    QFont nameFont = m_name->font();
    nameFont.setBold(true);
    nameFont.setPointSizeF(nameFont.pointSizeF() * 1.2);
    m_name->setFont(nameFont);
    m_name->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("runDetailStatus"));

    auto *titleRow = new QHBoxLayout;
    titleRow->setContentsMargins(0, 0, 0, 0);
    titleRow->addWidget(m_name);
    titleRow->addSpacing(12);
    titleRow->addWidget(m_status);
    titleRow->addStretch(1);

    m_fields = new QGridLayout;
    m_fields->setContentsMargins(0, 0, 0, 0);
    m_fields->setHorizontalSpacing(10);
    m_fields->setVerticalSpacing(3);
    m_id = addField(0, 0, tr("Run ID"), QStringLiteral("runDetailId"));
    m_experiment = addField(0, 2, tr("Experiment"), QStringLiteral("runDetailExperiment"));
    m_user = addField(0, 4, tr("User"), QStringLiteral("runDetailUser"));
    m_started = addField(1, 0, tr("Started"), QStringLiteral("runDetailStart"));
    m_ended = addField(1, 2, tr("Ended"), QStringLiteral("runDetailEnd"));
    m_duration = addField(1, 4, tr("Duration"), QStringLiteral("runDetailDuration"));
    m_artifactUri = addField(2, 0, tr("Artifacts"), QStringLiteral("runDetailArtifactUri"));
    // The URI may be long: it spans the row.
    m_fields->removeWidget(m_artifactUri);
    m_fields->addWidget(m_artifactUri, 2, 1, 1, 5);
    m_fields->setColumnStretch(1, 3);
    m_fields->setColumnStretch(3, 2);
    m_fields->setColumnStretch(5, 1);

    m_paramsTitle = sectionTitle(this);
    m_metricsTitle = sectionTitle(this);
    m_tagsTitle = sectionTitle(this);
    auto *tables = new QHBoxLayout;
    tables->setContentsMargins(0, 0, 0, 0);
    tables->setSpacing(10);
    const std::array<std::tuple<QLabel *, KeyValueModel *, QString>, 3> sections{{
        {m_paramsTitle, m_params, QStringLiteral("runParams")},
        {m_metricsTitle, m_metrics, QStringLiteral("runMetrics")},
        {m_tagsTitle, m_tags, QStringLiteral("runTags")},
    }};
    for (const auto &[title, model, name] : sections) {
        auto *column = new QVBoxLayout;
        column->setSpacing(3);
        column->addWidget(title);
        QTableView *table = createTable(model, name);
        m_tables.append(table);
        column->addWidget(table, 1);
        tables->addLayout(column, 1);
    }

    auto *detailLayout = new QVBoxLayout(m_detailPage);
    detailLayout->setContentsMargins(8, 6, 8, 6);
    detailLayout->setSpacing(6);
    detailLayout->addLayout(titleRow);
    detailLayout->addLayout(m_fields);
    detailLayout->addLayout(tables, 1);

    m_pages->addWidget(hint);
    m_pages->addWidget(m_detailPage);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pages);
    showRun(nullptr, QString(), 0);
}

QLabel *RunDetailPane::addField(int row, int column, const QString &label,
                                const QString &objectName)
{
    auto *name = new QLabel(label + QLatin1Char(':'));
    name->setForegroundRole(QPalette::PlaceholderText);
    auto *value = new QLabel;
    value->setObjectName(objectName);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setMinimumWidth(0);
    value->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_fields->addWidget(name, row, column);
    m_fields->addWidget(value, row, column + 1);
    return value;
}

QTableView *RunDetailPane::createTable(KeyValueModel *model, const QString &objectName)
{
    auto *view = new QTableView;
    view->setObjectName(objectName);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setWordWrap(false);
    view->setAlternatingRowColors(true);
    view->setShowGrid(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setHighlightSections(false);
    // The key is fitted when a run is shown, a value takes the rest, a step what it needs.
    QHeaderView *header = view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(false);
    header->setSectionResizeMode(1, QHeaderView::Stretch);
    for (int column = 2; column < model->columnCount(); ++column)
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    return view;
}

void RunDetailPane::showRun(const tracking::Run *run, const QString &experimentName, qint64 nowMs)
{
    if (!run) {
        m_runId.clear();
        m_params->setRows({});
        m_metrics->setRows({});
        m_tags->setRows({});
        m_pages->setCurrentIndex(0);
        return;
    }
    const tracking::RunInfo &info = run->info;
    m_runId = info.runId;
    QString name = info.runName.isEmpty() ? tr("(unnamed run)") : info.runName;
    if (info.lifecycleStage == tracking::LifecycleStage::Deleted)
        name += QLatin1Char(' ') + tr("(deleted)");
    m_name->setText(name);
    m_status->setText(QStringLiteral("<span style=\"color:%1\">\u25cf</span> %2")
                          .arg(RunTableModel::statusColour(info.status).name(),
                               RunTableModel::statusText(info.status).toHtmlEscaped()));
    m_id->setText(info.runId);
    m_experiment->setText(experimentName.isEmpty()
                              ? info.experimentId
                              : tr("%1 (id %2)").arg(experimentName, info.experimentId));
    m_started->setText(timeText(info.startTime));
    m_ended->setText(info.endTime
                         ? timeText(info.endTime)
                         : (info.status == tracking::RunStatus::Running ? tr("still running")
                                                                        : QStringLiteral("—")));
    if (info.startTime && (info.endTime || info.status == tracking::RunStatus::Running))
        m_duration->setText(
            RunTableModel::durationText(info.endTime.value_or(nowMs) - *info.startTime));
    else
        m_duration->setText(QStringLiteral("—"));
    m_user->setText(info.userId.isEmpty() ? QStringLiteral("—") : info.userId);
    m_artifactUri->setText(info.artifactUri);
    m_artifactUri->setToolTip(info.artifactUri);

    QList<KeyValueModel::Row> params;
    for (auto it = run->params.cbegin(); it != run->params.cend(); ++it)
        params.append({it.key(), it.value()});
    QList<KeyValueModel::Row> metrics;
    for (const tracking::MetricPoint &point : run->latestMetrics)
        metrics.append({point.key, exactMetric(point.value), QString::number(point.step)});
    QList<KeyValueModel::Row> tags;
    for (auto it = run->tags.cbegin(); it != run->tags.cend(); ++it)
        tags.append({it.key(), it.value()});
    m_params->setRows(params);
    m_metrics->setRows(metrics);
    m_tags->setRows(tags);
    m_paramsTitle->setText(tr("Params (%1)").arg(params.size()));
    m_metricsTitle->setText(tr("Metrics (%1)").arg(metrics.size()));
    m_tagsTitle->setText(tr("Tags (%1)").arg(tags.size()));
    m_pages->setCurrentIndex(1);
    // Keys take the room they need, up to half the table.
    for (QTableView *table : std::as_const(m_tables)) {
        table->resizeColumnToContents(0);
        table->setColumnWidth(
            0, qMin(table->columnWidth(0) + 12, qMax(80, table->viewport()->width() / 2)));
    }
}

} // namespace millrace::ui
