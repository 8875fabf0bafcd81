#include "ui/panels/registry/promotiondialog.h"

#include "ui/panels/experiments/runtablemodel.h"
#include "ui/panels/registry/registryqueries.h"
#include "ui/panels/registry/versiontablemodel.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSet>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <optional>

namespace millrace::ui {

namespace {

enum Column { KeyColumn, CandidateColumn, CurrentColumn };

std::optional<double> metricOf(const tracking::Run *run, const QString &key)
{
    if (!run)
        return std::nullopt;
    for (const tracking::MetricPoint &point : run->latestMetrics) {
        if (point.key == key)
            return point.value;
    }
    return std::nullopt;
}

std::optional<QString> paramOf(const tracking::Run *run, const QString &key)
{
    if (!run)
        return std::nullopt;
    for (const tracking::KeyValue &param : run->params) {
        if (param.key == key)
            return param.value;
    }
    return std::nullopt;
}

QString runText(const registry::ModelVersion &version, const tracking::Run *run)
{
    if (run)
        return run->info.runName.isEmpty() ? run->info.runId : run->info.runName;
    return version.runId.isEmpty() ? QObject::tr("—")
                                   : QObject::tr("%1 (deleted)").arg(version.runId.left(8));
}

QString versionList(const QList<qint64> &versions)
{
    QStringList names;
    for (qint64 version : versions)
        names << QStringLiteral("v%1").arg(version);
    return names.join(QStringLiteral(", "));
}

// Headline metrics first, then the rest alphabetically.
QStringList orderedMetricKeys(const QSet<QString> &keys)
{
    QStringList all(keys.cbegin(), keys.cend());
    all.sort(Qt::CaseInsensitive);
    QStringList ordered = headlineMetricKeys(all, int(all.size()));
    if (ordered.size() < all.size()) {
        for (const QString &key : std::as_const(all)) {
            if (!ordered.contains(key))
                ordered.append(key);
        }
    }
    return ordered;
}

} // namespace

PromotionDialog::PromotionDialog(const ModelDetail &detail, qint64 version, registry::Stage target,
                                 QWidget *parent)
    : QDialog(parent), m_version(version), m_target(target), m_comparison(new QTreeWidget),
      m_archive(new QCheckBox), m_reason(new QLineEdit)
{
    setObjectName(QStringLiteral("promotionDialog"));
    const QString stage = registry::toString(target);
    setWindowTitle(tr("Promote to %1").arg(stage));

    for (const registry::ModelVersion &other : detail.versionsIn(target)) {
        if (other.version != version)
            m_current.append(other.version);
    }

    auto *heading = new QLabel(tr("Promote v%1 of %2 to %3")
                                   .arg(version)
                                   .arg(QStringLiteral("“%1”").arg(detail.model.name), stage));
    heading->setObjectName(QStringLiteral("promotionHeading"));
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.25);
    headingFont.setBold(true);
    heading->setFont(headingFont);
    heading->setWordWrap(true);

    auto *summary = new QLabel;
    summary->setObjectName(QStringLiteral("promotionSummary"));
    summary->setWordWrap(true);
    if (m_current.isEmpty())
        summary->setText(
            tr("No version is in %1 now: v%2 will be the only one.").arg(stage).arg(version));
    else
        summary->setText(tr("v%1 is in %2 now. Compare the two before you decide.")
                             .arg(m_current.constFirst())
                             .arg(stage));

    m_comparison->setObjectName(QStringLiteral("promotionComparison"));
    m_comparison->setRootIsDecorated(false);
    m_comparison->setItemsExpandable(false);
    m_comparison->setSelectionMode(QAbstractItemView::NoSelection);
    m_comparison->setFocusPolicy(Qt::NoFocus);
    m_comparison->setAlternatingRowColors(true);
    fillComparison(detail);

    m_archive->setObjectName(QStringLiteral("archiveExisting"));
    if (m_current.isEmpty()) {
        m_archive->hide();
    } else {
        m_archive->setText(
            m_current.size() == 1
                ? tr("Archive the current %1 version (%2)").arg(stage, versionList(m_current))
                : tr("Archive the current %1 versions (%2)").arg(stage, versionList(m_current)));
        // Production holds one live model; Staging may hold several candidates (MLflow's
        // default leaves them).
        m_archive->setChecked(target == registry::Stage::Production);
    }

    m_reason->setObjectName(QStringLiteral("promotionReason"));
    m_reason->setPlaceholderText(tr("Optional; kept in the stage history"));
    m_reason->setClearButtonEnabled(true);
    auto *form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Reason:"), m_reason);

    // Parented now, so the default button is the dialog's: Enter promotes, never cancels.
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    QPushButton *promote = buttons->addButton(tr("Promote"), QDialogButtonBox::AcceptRole);
    promote->setObjectName(QStringLiteral("promoteButton"));
    promote->setDefault(true);
    buttons->button(QDialogButtonBox::Cancel)->setAutoDefault(false);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(10);
    layout->addWidget(heading);
    layout->addWidget(summary);
    layout->addWidget(m_comparison, 1);
    layout->addWidget(m_archive);
    layout->addLayout(form);
    layout->addWidget(buttons);
    resize(680, sizeHint().height());
}

bool PromotionDialog::archiveExisting() const
{
    return !m_current.isEmpty() && m_archive->isChecked();
}

QString PromotionDialog::reason() const
{
    return m_reason->text().trimmed();
}

QTreeWidgetItem *PromotionDialog::addSection(const QString &title)
{
    auto *section = new QTreeWidgetItem(m_comparison, {title});
    section->setFirstColumnSpanned(true);
    QFont font = m_comparison->font();
    font.setBold(true);
    section->setFont(KeyColumn, font);
    section->setFlags(Qt::ItemIsEnabled);
    return section;
}

void PromotionDialog::fillComparison(const ModelDetail &detail)
{
    const registry::ModelVersion *candidate = detail.version(m_version);
    const registry::ModelVersion *current =
        m_current.isEmpty() ? nullptr : detail.version(m_current.constFirst());
    const tracking::Run *candidateRun = candidate ? detail.runOf(*candidate) : nullptr;
    const tracking::Run *currentRun = current ? detail.runOf(*current) : nullptr;

    QStringList headers{QString(), tr("v%1 (to promote)").arg(m_version)};
    if (current)
        headers << tr("v%1 (%2 now)").arg(current->version).arg(registry::toString(m_target));
    m_comparison->setColumnCount(int(headers.size()));
    m_comparison->setHeaderLabels(headers);

    auto addRow = [&](QTreeWidgetItem *section, const QString &key, const QString &mine,
                      const QString &theirs) {
        auto *item = new QTreeWidgetItem(section, {key, mine, theirs});
        item->setFlags(Qt::ItemIsEnabled);
        item->setToolTip(CandidateColumn, mine);
        item->setToolTip(CurrentColumn, theirs);
        return item;
    };

    QTreeWidgetItem *version = addSection(tr("Version"));
    if (candidate) {
        addRow(version, tr("Stage"), registry::toString(candidate->stage),
               current ? registry::toString(current->stage) : QString());
        addRow(version, tr("Created"), VersionTableModel::timeText(candidate->creationTime),
               current ? VersionTableModel::timeText(current->creationTime) : QString());
        addRow(version, tr("Source run"), runText(*candidate, candidateRun),
               current ? runText(*current, currentRun) : QString());
        if (!candidate->description.isEmpty() || (current && !current->description.isEmpty()))
            addRow(version, tr("Description"), candidate->description,
                   current ? current->description : QString());
    }

    QSet<QString> metricKeys;
    for (const tracking::Run *run : {candidateRun, currentRun}) {
        if (!run)
            continue;
        for (const tracking::MetricPoint &point : run->latestMetrics)
            metricKeys.insert(point.key);
    }
    QTreeWidgetItem *metrics = addSection(tr("Metrics of the source runs"));
    if (metricKeys.isEmpty())
        addRow(metrics, tr("No metrics were logged"), QString(), QString());
    for (const QString &key : orderedMetricKeys(metricKeys)) {
        const std::optional<double> mine = metricOf(candidateRun, key);
        const std::optional<double> theirs = metricOf(currentRun, key);
        QString mineText = mine ? RunTableModel::metricText(*mine) : tr("—");
        QTreeWidgetItem *item =
            addRow(metrics, key, mineText, theirs ? RunTableModel::metricText(*theirs) : QString());
        if (mine && theirs && *mine != *theirs) {
            const double delta = *mine - *theirs;
            const bool better = lowerIsBetter(key) ? delta < 0 : delta > 0;
            item->setText(CandidateColumn,
                          QStringLiteral("%1  (%2%3)")
                              .arg(mineText, delta > 0 ? QStringLiteral("+") : QString(),
                                   QString::number(delta, 'g', 3)));
            item->setForeground(CandidateColumn,
                                better ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
            item->setToolTip(CandidateColumn, better ? tr("Better than v%1").arg(current->version)
                                                     : tr("Worse than v%1").arg(current->version));
        }
    }

    if (current) {
        QSet<QString> paramKeys;
        for (const tracking::Run *run : {candidateRun, currentRun}) {
            if (!run)
                continue;
            for (const tracking::KeyValue &param : run->params)
                paramKeys.insert(param.key);
        }
        QStringList differing;
        for (const QString &key : std::as_const(paramKeys)) {
            if (paramOf(candidateRun, key) != paramOf(currentRun, key))
                differing.append(key);
        }
        differing.sort(Qt::CaseInsensitive);
        QTreeWidgetItem *params = addSection(tr("Params that differ"));
        if (differing.isEmpty())
            addRow(params, tr("None: the same params"), QString(), QString());
        for (const QString &key : std::as_const(differing))
            addRow(params, key, paramOf(candidateRun, key).value_or(tr("—")),
                   paramOf(currentRun, key).value_or(tr("—")));
    }

    // Rows with some air, and a dialog as tall as its comparison (within reason).
    const int rowHeight = m_comparison->fontMetrics().height() + 8;
    int rows = 0;
    for (int section = 0; section < m_comparison->topLevelItemCount(); ++section) {
        QTreeWidgetItem *parent = m_comparison->topLevelItem(section);
        parent->setSizeHint(CandidateColumn, QSize(0, rowHeight + 4));
        ++rows;
        for (int row = 0; row < parent->childCount(); ++row) {
            parent->child(row)->setSizeHint(CandidateColumn, QSize(0, rowHeight));
            ++rows;
        }
    }
    m_comparison->setMinimumHeight(qMin(rows, 14) * rowHeight + rowHeight + 8);
    m_comparison->expandAll();
    QHeaderView *header = m_comparison->header();
    header->setStretchLastSection(true);
    m_comparison->resizeColumnToContents(KeyColumn);
    m_comparison->setColumnWidth(KeyColumn, m_comparison->columnWidth(KeyColumn) + 24);
    if (current)
        header->setSectionResizeMode(CandidateColumn, QHeaderView::Stretch);
}

} // namespace millrace::ui
