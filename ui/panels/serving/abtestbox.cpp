#include "ui/panels/serving/abtestbox.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSlider>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <set>

namespace millrace::ui {

namespace {

enum Column { VersionColumn, RoleColumn, ShareColumn, RequestsColumn, ObservedColumn };

// A slider drag applies once it rests this long, not at every step.
constexpr int kSettleMs = 300;

QString percent(double share)
{
    return QLocale().toString(share * 100, 'f', share * 100 < 10 && share > 0 ? 1 : 0)
           + QLatin1Char('%');
}

} // namespace

AbTestBox::AbTestBox(QWidget *parent)
    : QGroupBox(tr("A/B test"), parent), m_settle(new QTimer(this))
{
    setObjectName(QStringLiteral("abTestBox"));
    m_settle->setSingleShot(true);
    m_settle->setInterval(kSettleMs);
    connect(m_settle, &QTimer::timeout, this, &AbTestBox::splitChanged);

    m_candidate = new QComboBox;
    m_candidate->setObjectName(QStringLiteral("candidateVersion"));
    m_candidate->addItem(tr("None"), qint64(0));
    m_candidate->setToolTip(tr("A second version that answers a share of the requests"));
    connect(m_candidate, &QComboBox::currentIndexChanged, this, [this] {
        updateWeightLabel();
        m_settle->start();
    });

    m_weight = new QSlider(Qt::Horizontal);
    m_weight->setObjectName(QStringLiteral("candidateWeight"));
    m_weight->setRange(0, 100);
    m_weight->setSingleStep(1);
    m_weight->setPageStep(10);
    m_weight->setTickPosition(QSlider::TicksBelow);
    m_weight->setTickInterval(25);
    m_weight->setToolTip(tr("The candidate's share of requests"));
    connect(m_weight, &QSlider::valueChanged, this, [this] {
        updateWeightLabel();
        m_settle->start();
    });
    m_weightLabel = new QLabel;
    m_weightLabel->setObjectName(QStringLiteral("candidateWeightLabel"));
    m_weightLabel->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("100%")) + 4);
    m_weightLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    auto *weightRow = new QHBoxLayout;
    weightRow->setContentsMargins(0, 0, 0, 0);
    weightRow->addWidget(m_weight, 1);
    weightRow->addWidget(m_weightLabel);

    m_split = new QLabel;
    m_split->setObjectName(QStringLiteral("splitSummary"));
    m_split->setWordWrap(true);
    m_split->setForegroundRole(QPalette::PlaceholderText);

    m_counts = new QTreeWidget;
    m_counts->setObjectName(QStringLiteral("versionRequests"));
    m_counts->setRootIsDecorated(false);
    m_counts->setUniformRowHeights(true);
    m_counts->setSelectionMode(QAbstractItemView::NoSelection);
    m_counts->setFocusPolicy(Qt::NoFocus);
    m_counts->setHeaderLabels({tr("Version"), tr("Role"), tr("Share"), tr("Requests"), tr("Seen")});
    m_counts->headerItem()->setToolTip(ShareColumn, tr("The share of requests it is given"));
    m_counts->headerItem()->setToolTip(ObservedColumn, tr("The share of requests it answered"));
    for (int column : {ShareColumn, RequestsColumn, ObservedColumn})
        m_counts->headerItem()->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
    m_counts->header()->setStretchLastSection(false);
    m_counts->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_counts->header()->setSectionResizeMode(RoleColumn, QHeaderView::Stretch);
    const int rows = 3;
    m_counts->setFixedHeight(m_counts->header()->sizeHint().height()
                             + rows * (fontMetrics().height() + 6) + 2 * m_counts->frameWidth());

    auto *form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->setHorizontalSpacing(10);
    form->setVerticalSpacing(6);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Candidate"), m_candidate);
    form->addRow(tr("Weight"), weightRow);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 10);
    layout->setSpacing(8);
    layout->addLayout(form);
    layout->addWidget(m_split);
    layout->addWidget(m_counts);
    updateWeightLabel();
    updateCounts();
}

void AbTestBox::setModel(const ServableModel *model)
{
    const qint64 chosen = m_candidate->currentData().toLongLong();
    const QSignalBlocker quiet(m_candidate);
    m_candidate->clear();
    m_candidate->addItem(tr("None"), qint64(0));
    if (model) {
        for (const ServableVersion &version : model->versions) {
            if (!version.ready)
                continue;
            QString label = QStringLiteral("v%1").arg(version.version);
            if (version.stage != registry::Stage::None)
                label += QStringLiteral(" · ") + registry::toString(version.stage);
            m_candidate->addItem(label, version.version);
        }
    }
    const int index = m_candidate->findData(chosen);
    m_candidate->setCurrentIndex(std::max(0, index));
    updateWeightLabel();
}

void AbTestBox::setState(ServingController::State state)
{
    using State = ServingController::State;
    // Changeable before a start (it starts with the split) and while serving; not while a
    // start or stop is under way.
    const bool editable = state != State::Starting && state != State::Stopping;
    m_candidate->setEnabled(editable);
    m_weight->setEnabled(editable);
    if (state == State::Starting) {
        m_requests.clear();
        m_primary = 0;
        m_servedCandidate = 0;
        m_servedWeight = 0;
    }
    updateCounts();
}

void AbTestBox::setDeployment(qint64 primary, qint64 candidate, double candidateWeight)
{
    m_primary = primary;
    m_servedCandidate = candidate;
    m_servedWeight = candidate > 0 ? candidateWeight : 0;
    updateCounts();
}

void AbTestBox::setCounts(const std::map<qint64, quint64> &requestsByVersion)
{
    if (requestsByVersion == m_requests)
        return;
    m_requests = requestsByVersion;
    updateCounts();
}

std::optional<serving::ServingTarget> AbTestBox::candidate(const QString &model) const
{
    const qint64 version = m_candidate->currentData().toLongLong();
    if (version <= 0 || m_weight->value() == 0)
        return std::nullopt;
    serving::ServingTarget target;
    target.model = model;
    target.version = version;
    return target;
}

double AbTestBox::weight() const
{
    return m_weight->value() / 100.0;
}

void AbTestBox::updateWeightLabel()
{
    m_weightLabel->setText(QStringLiteral("%1%").arg(m_weight->value()));
    const qint64 version = m_candidate->currentData().toLongLong();
    if (version <= 0)
        m_split->setText(tr("Choose a candidate version to split requests between two "
                            "versions."));
    else if (m_weight->value() == 0)
        m_split->setText(tr("v%1 gets no requests: raise the weight.").arg(version));
    else
        m_split->setText(
            tr("v%1 answers %2 of requests, chosen at random; the target answers the rest.")
                .arg(version)
                .arg(percent(weight())));
}

void AbTestBox::updateCounts()
{
    std::set<qint64> versions;
    for (const auto &[version, count] : m_requests)
        versions.insert(version);
    for (qint64 version : {m_primary, m_servedCandidate}) {
        if (version > 0)
            versions.insert(version);
    }
    quint64 total = 0;
    for (const auto &[version, count] : m_requests)
        total += count;
    m_counts->clear();
    const QLocale locale;
    for (auto version = versions.rbegin(); version != versions.rend(); ++version) {
        auto *item = new QTreeWidgetItem(m_counts);
        const auto found = m_requests.find(*version);
        const quint64 count = found == m_requests.end() ? 0 : found->second;
        QString role = tr("earlier");
        double share = 0;
        if (*version == m_primary) {
            role = m_servedCandidate > 0 ? tr("target (A)") : tr("target");
            share = 1 - m_servedWeight;
        } else if (*version == m_servedCandidate) {
            role = tr("candidate (B)");
            share = m_servedWeight;
        }
        item->setText(VersionColumn, QStringLiteral("v%1").arg(*version));
        item->setData(VersionColumn, Qt::UserRole, *version);
        item->setText(RoleColumn, role);
        item->setText(ShareColumn, percent(share));
        item->setText(RequestsColumn, locale.toString(count));
        item->setData(RequestsColumn, Qt::UserRole, count);
        item->setText(ObservedColumn,
                      total > 0 ? percent(double(count) / double(total)) : QStringLiteral("–"));
        for (int column : {ShareColumn, RequestsColumn, ObservedColumn})
            item->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
        if (role == tr("earlier"))
            for (int column = 0; column < m_counts->columnCount(); ++column)
                item->setForeground(column, palette().brush(QPalette::PlaceholderText));
    }
}

} // namespace millrace::ui
