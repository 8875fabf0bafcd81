#include "ui/panels/registry/registrypanel.h"

#include "core/store/store.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/registry/historydelegate.h"
#include "ui/panels/registry/historymodel.h"
#include "ui/panels/registry/modeldelegate.h"
#include "ui/panels/registry/modellistmodel.h"
#include "ui/panels/registry/registryactions.h"
#include "ui/panels/registry/registryfeed.h"
#include "ui/panels/registry/versiondelegate.h"
#include "ui/panels/registry/versiontablemodel.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QProgressBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace millrace::ui {

namespace {

enum Page { DetailPage, EmptyPage };

// The metric columns a user picked, kept across sessions; none means "the headline ones".
const QString kMetricColumnsKey = QStringLiteral("registryPanel/metricColumns");
constexpr int kAutomaticMetricCount = 2;

QLabel *sectionHeading(const QString &text)
{
    auto *label = new QLabel(text);
    QFont font = label->font();
    font.setBold(true);
    label->setFont(font);
    return label;
}

} // namespace

RegistryPanel::RegistryPanel(QWidget *parent)
    : QWidget(parent), m_feed(new RegistryFeed(this)), m_models(new ModelListModel(this)),
      m_filteredModels(new QSortFilterProxyModel(this)), m_versions(new VersionTableModel(this)),
      m_history(new HistoryModel(this)), m_actions(new RegistryActions(this))
{
    m_filteredModels->setSourceModel(m_models);
    m_filteredModels->setFilterRole(ModelListModel::SearchRole);
    m_filteredModels->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_chosenMetrics = QSettings().value(kMetricColumnsKey).toStringList();

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("registrySplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(createModelSide());
    split->addWidget(createDetailSide());
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({200, 800});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_feed, &RegistryFeed::modelsLoaded, this, &RegistryPanel::onModelsLoaded);
    connect(m_feed, &RegistryFeed::detailLoaded, this, &RegistryPanel::onDetailLoaded);
    // Deleted or renamed elsewhere: the list, reloaded, offers what is there now.
    connect(m_feed, &RegistryFeed::modelMissing, this, [this] {
        m_feed->setModelName(QString());
        m_feed->reload();
    });
    connect(m_feed, &RegistryFeed::loadFailed, this, [this](const QString &message) {
        m_loadError = message;
        updateStatus();
        updateEmptyState();
    });

    connect(m_actions, &RegistryActions::busyChanged, this, [this](const QString &what) {
        m_busyText->setText(what + QStringLiteral("…"));
        m_busy->setVisible(!what.isEmpty());
    });
    // A write that worked shows at the reload asked for at once.
    connect(m_actions, &RegistryActions::written, this, [this](const QString &message) {
        m_error->hide();
        m_lastWrite = message;
        updateStatus();
        m_feed->reload();
    });
    connect(m_actions, &RegistryActions::failed, this, &RegistryPanel::showError);
    connect(m_actions, &RegistryActions::compareRunsRequested, this,
            &RegistryPanel::compareRunsRequested);
    connect(m_actions, &RegistryActions::exportToOnnxRequested, this,
            &RegistryPanel::exportToOnnxRequested);

    updateColours();
    updateHeader();
    updateStatus();
    updateEmptyState();
}

RegistryPanel::~RegistryPanel()
{
    m_actions->detach();
    m_feed->detach();
}

QWidget *RegistryPanel::createModelSide()
{
    auto *side = new QWidget;
    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("modelFilter"));
    m_filter->setPlaceholderText(tr("Filter models"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(tr("Shows the models whose name or description contains the text"));
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filteredModels->setFilterFixedString(text.trimmed());
        updateStatus();
    });

    m_modelView = new QListView;
    m_modelView->setObjectName(QStringLiteral("modelList"));
    m_modelView->setModel(m_filteredModels);
    m_modelView->setItemDelegate(new ModelDelegate(m_modelView));
    m_modelView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_modelView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_modelView->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    connect(m_modelView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &RegistryPanel::onCurrentModelChanged);

    m_modelCount = new QLabel;
    m_modelCount->setObjectName(QStringLiteral("modelCount"));
    m_modelCount->setForegroundRole(QPalette::PlaceholderText);

    auto *layout = new QVBoxLayout(side);
    layout->setContentsMargins(8, 8, 4, 8);
    layout->setSpacing(6);
    layout->addWidget(m_filter);
    layout->addWidget(m_modelView, 1);
    layout->addWidget(m_modelCount);
    return side;
}

QWidget *RegistryPanel::createDetailSide()
{
    m_title = new QLabel;
    m_title->setObjectName(QStringLiteral("modelTitle"));
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_aliases = new QLabel;
    m_aliases->setObjectName(QStringLiteral("modelAliases"));
    m_aliases->setForegroundRole(QPalette::PlaceholderText);
    m_aliases->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_description = new QLabel;
    m_description->setObjectName(QStringLiteral("modelDescription"));
    m_description->setWordWrap(true);
    m_description->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *titleRow = new QHBoxLayout;
    titleRow->setContentsMargins(0, 0, 0, 0);
    titleRow->setSpacing(12);
    titleRow->addWidget(m_title);
    titleRow->addWidget(m_aliases, 1, Qt::AlignBottom);

    m_toolBar = new QToolBar;
    m_toolBar->setObjectName(QStringLiteral("registryToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_toolBar->setIconSize(QSize(16, 16));
    m_toolBar->addActions(m_actions->actions());
    // An action with a menu (Delete Alias) opens it on a click, as a menu button does.
    for (QAction *action : m_actions->actions()) {
        auto *button = qobject_cast<QToolButton *>(m_toolBar->widgetForAction(action));
        if (button && action->menu<QMenu *>())
            button->setPopupMode(QToolButton::InstantPopup);
    }
    m_metricButton = new QToolButton;
    m_metricButton->setObjectName(QStringLiteral("metricColumns"));
    m_metricButton->setText(tr("Metrics"));
    m_metricButton->setToolTip(tr("Choose the source-run metrics shown as columns"));
    m_metricButton->setPopupMode(QToolButton::InstantPopup);
    auto *metricMenu = new QMenu(m_metricButton);
    m_metricButton->setMenu(metricMenu);
    connect(metricMenu, &QMenu::aboutToShow, this, &RegistryPanel::fillMetricMenu);

    // Failed writes: one line until dismissed or the next write works.
    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("registryError"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::RichText);
    m_error->setAutoFillBackground(true);
    m_error->setContentsMargins(8, 5, 8, 5);
    m_error->hide();
    connect(m_error, &QLabel::linkActivated, m_error, &QLabel::hide);

    m_busy = new QWidget;
    m_busy->setObjectName(QStringLiteral("registryBusy"));
    m_busyText = new QLabel;
    auto *progress = new QProgressBar;
    progress->setRange(0, 0);
    progress->setTextVisible(false);
    progress->setMaximumHeight(m_busyText->fontMetrics().height());
    auto *busyLayout = new QHBoxLayout(m_busy);
    busyLayout->setContentsMargins(0, 0, 0, 0);
    busyLayout->addWidget(m_busyText);
    busyLayout->addWidget(progress, 1);
    m_busy->hide();

    createVersionTable();

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("versionStatus"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_metricButton->setAutoRaise(true);
    auto *statusRow = new QHBoxLayout;
    statusRow->setContentsMargins(0, 0, 0, 0);
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_metricButton);

    auto *top = new QWidget;
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(4, 8, 8, 4);
    topLayout->setSpacing(6);
    topLayout->addLayout(titleRow);
    topLayout->addWidget(m_description);
    topLayout->addWidget(m_toolBar);
    topLayout->addWidget(m_error);
    topLayout->addWidget(m_busy);
    topLayout->addWidget(m_versionView, 1);
    topLayout->addLayout(statusRow);

    auto *split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("versionSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(top);
    split->addWidget(createHistory());
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({280, 300});

    m_emptyState = new QLabel;
    m_emptyState->setObjectName(QStringLiteral("registryEmptyState"));
    m_emptyState->setWordWrap(true);
    m_emptyState->setTextFormat(Qt::RichText);
    m_emptyState->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_emptyState->setContentsMargins(24, 16, 24, 16);

    m_pages = new QStackedWidget;
    m_pages->setObjectName(QStringLiteral("registryPages"));
    m_pages->insertWidget(DetailPage, split);
    m_pages->insertWidget(EmptyPage, m_emptyState);
    return m_pages;
}

void RegistryPanel::createVersionTable()
{
    m_versionView = new QTableView;
    m_versionView->setObjectName(QStringLiteral("versionTable"));
    m_versionView->setModel(m_versions);
    m_versionView->setItemDelegate(new VersionDelegate(m_versionView));
    m_versionView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_versionView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_versionView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_versionView->setShowGrid(false);
    m_versionView->setAlternatingRowColors(true);
    m_versionView->setWordWrap(false);
    m_versionView->setMouseTracking(true);
    m_versionView->verticalHeader()->hide();
    m_versionView->verticalHeader()->setDefaultSectionSize(m_versionView->fontMetrics().height()
                                                           + 14);
    QHeaderView *header = m_versionView->horizontalHeader();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setStretchLastSection(false);
    m_versionView->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_versionView->addActions(m_actions->actions());
    connect(m_versionView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &RegistryPanel::updateTargets);
    connect(m_versionView, &QTableView::clicked, this, &RegistryPanel::onVersionClicked);
    // The run cell is a link: the pointer says so.
    connect(m_versionView, &QTableView::entered, this, [this](const QModelIndex &index) {
        if (index.data(VersionTableModel::LinkRole).toBool())
            m_versionView->viewport()->setCursor(Qt::PointingHandCursor);
        else
            m_versionView->viewport()->unsetCursor();
    });
    connect(m_versions, &QAbstractItemModel::columnsInserted, this,
            [this](const QModelIndex &, int first, int last) {
                const QFontMetrics metrics = m_versionView->fontMetrics();
                for (int column = first; column <= last; ++column) {
                    const QString title = m_versions->headerData(column, Qt::Horizontal).toString();
                    m_versionView->setColumnWidth(
                        column, qBound(72, metrics.horizontalAdvance(title) + 18, 200));
                }
            });
}

QWidget *RegistryPanel::createHistory()
{
    m_historyView = new QListView;
    m_historyView->setObjectName(QStringLiteral("historyView"));
    m_historyView->setModel(m_history);
    m_historyView->setItemDelegate(new HistoryDelegate(m_historyView));
    m_historyView->setSelectionMode(QAbstractItemView::NoSelection);
    m_historyView->setFocusPolicy(Qt::NoFocus);
    m_historyView->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_historyView->setUniformItemSizes(false);

    auto *bottom = new QWidget;
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(4, 4, 8, 8);
    bottomLayout->setSpacing(6);
    bottomLayout->addWidget(sectionHeading(tr("Stage history")));
    bottomLayout->addWidget(m_historyView, 1);
    return bottom;
}

void RegistryPanel::attachSession(Session &session)
{
    detachSession();
    m_attached = true;
    m_feed->attach(session.registry(), session.tracking(), session.workspace().store());
    m_actions->attach(session.registry());
    if (isVisible())
        m_feed->setPolling(true);
    updateHeader();
    updateStatus();
    updateEmptyState();
}

void RegistryPanel::detachSession()
{
    if (!m_attached)
        return;
    m_actions->detach();
    m_feed->detach();
    m_attached = false;
    m_modelsKnown = false;
    m_detailKnown = false;
    m_loadError.clear();
    m_lastWrite.clear();
    m_detail = ModelDetail();
    m_models->setModels({});
    m_versions->setVersions({}, {});
    m_history->setEvents({});
    m_error->hide();
    updateHeader();
    updateStatus();
    updateEmptyState();
}

void RegistryPanel::showModel(const QString &name)
{
    const int row = m_models->rowOfModel(name);
    if (row < 0) {
        m_selectOnArrival = name;
        return;
    }
    m_filter->clear();
    const QModelIndex index = m_filteredModels->mapFromSource(m_models->index(row));
    m_modelView->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    m_modelView->scrollTo(index);
}

QString RegistryPanel::currentModelName() const
{
    return m_feed->modelName();
}

void RegistryPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_attached)
        m_feed->setPolling(true);
}

void RegistryPanel::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_feed->setPolling(false);
}

void RegistryPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateColours();
}

void RegistryPanel::onModelsLoaded(const QList<registry::RegisteredModel> &models)
{
    m_loadError.clear();
    m_models->setModels(models);
    m_modelsKnown = true;
    if (!m_selectOnArrival.isEmpty() && m_models->rowOfModel(m_selectOnArrival) >= 0) {
        const QString name = m_selectOnArrival;
        m_selectOnArrival.clear();
        showModel(name);
    } else if (m_models->rowOfModel(m_feed->modelName()) < 0 && m_filteredModels->rowCount() > 0) {
        // Nothing shown yet, or the model shown is gone: the first one.
        m_modelView->selectionModel()->setCurrentIndex(m_filteredModels->index(0, 0),
                                                       QItemSelectionModel::ClearAndSelect);
    } else if (m_models->rowOfModel(m_feed->modelName()) >= 0
               && !m_modelView->currentIndex().isValid()) {
        // A reset of the list (a model came or went) forgets the current row.
        const QModelIndex index = m_filteredModels->mapFromSource(
            m_models->index(m_models->rowOfModel(m_feed->modelName())));
        m_modelView->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    }
    // Whichever row is current now is the model shown (setting the row it already had emits
    // nothing).
    if (m_modelView->currentIndex().isValid())
        onCurrentModelChanged(m_modelView->currentIndex());
    if (m_models->rowCount() == 0) {
        m_feed->setModelName(QString());
        m_detail = ModelDetail();
        m_detailKnown = false;
        m_versions->setVersions({}, {});
        m_history->setEvents({});
        m_actions->setTargets(m_detail, {});
    }
    updateHeader();
    updateStatus();
    updateEmptyState();
}

void RegistryPanel::onCurrentModelChanged(const QModelIndex &current)
{
    // Filtered out of view, the model stays shown until another one is chosen.
    if (!current.isValid())
        return;
    const QString name = current.data(ModelListModel::NameRole).toString();
    if (name == m_feed->modelName())
        return;
    m_detailKnown = false;
    m_detail = ModelDetail();
    m_detail.model.name = name;
    m_lastWrite.clear();
    m_versions->setVersions({}, {});
    m_history->setEvents({});
    m_actions->setTargets(m_detail, {});
    m_feed->setModelName(name);
    updateHeader();
    updateStatus();
    updateEmptyState();
}

void RegistryPanel::onDetailLoaded(const ModelDetail &detail)
{
    if (detail.model.name != m_feed->modelName())
        return;
    const QList<qint64> selected = selectedVersions();
    const QModelIndex currentIndex = m_versionView->currentIndex();
    const qint64 current =
        currentIndex.isValid() ? currentIndex.data(VersionTableModel::VersionRole).toLongLong() : 0;
    m_loadError.clear();
    const bool firstForModel = !m_detailKnown;
    m_detail = detail;
    m_detailKnown = true;
    m_versions->setVersions(detail.versions, detail.runs);
    applyMetricColumns();
    if (firstForModel)
        fitColumns();
    if (selectedVersions() != selected)
        selectVersions(selected, current);
    m_history->setEvents(detail.history);
    updateTargets();
    updateHeader();
    updateEmptyState();
}

QList<qint64> RegistryPanel::selectedVersions() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_versionView->selectionModel()->selectedRows())
        rows.append(index.row());
    std::sort(rows.begin(), rows.end());
    QList<qint64> versions;
    for (int row : std::as_const(rows))
        versions.append(m_versions->versionAt(row).version);
    return versions;
}

void RegistryPanel::selectVersions(const QList<qint64> &versions, qint64 current)
{
    QItemSelection selection;
    for (qint64 version : versions) {
        const int row = m_versions->rowOfVersion(version);
        if (row >= 0)
            selection.select(m_versions->index(row, 0),
                             m_versions->index(row, m_versions->columnCount() - 1));
    }
    QItemSelectionModel *model = m_versionView->selectionModel();
    const int currentRow = m_versions->rowOfVersion(current);
    if (currentRow >= 0)
        model->setCurrentIndex(m_versions->index(currentRow, 0), QItemSelectionModel::NoUpdate);
    model->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void RegistryPanel::onVersionClicked(const QModelIndex &index)
{
    if (!index.isValid() || !index.data(VersionTableModel::LinkRole).toBool())
        return;
    if (const tracking::Run *run = m_versions->runAt(index.row()))
        Q_EMIT showRunRequested(run->info.experimentId, run->info.runId);
}

void RegistryPanel::applyMetricColumns()
{
    const QStringList available = m_versions->availableMetricKeys();
    QStringList keys;
    for (const QString &key : std::as_const(m_chosenMetrics)) {
        if (available.contains(key))
            keys.append(key);
    }
    if (keys.isEmpty())
        keys = headlineMetricKeys(available, kAutomaticMetricCount);
    const QList<qint64> selected = selectedVersions();
    const QModelIndex currentIndex = m_versionView->currentIndex();
    m_versions->setMetricKeys(keys);
    if (selectedVersions() != selected)
        selectVersions(selected,
                       currentIndex.isValid()
                           ? currentIndex.data(VersionTableModel::VersionRole).toLongLong()
                           : 0);
}

void RegistryPanel::fitColumns()
{
    // Names of runs, aliases and stages differ between models: fit them, within reason.
    const QList<QPair<int, int>> limits = {
        {VersionTableModel::VersionColumn, 90},  {VersionTableModel::StageColumn, 140},
        {VersionTableModel::AliasesColumn, 220}, {VersionTableModel::StatusColumn, 160},
        {VersionTableModel::CreatedColumn, 160}, {VersionTableModel::SourceRunColumn, 260}};
    for (const auto &[column, widest] : limits) {
        m_versionView->resizeColumnToContents(column);
        m_versionView->setColumnWidth(column,
                                      qBound(60, m_versionView->columnWidth(column) + 4, widest));
    }
}

void RegistryPanel::fillMetricMenu()
{
    QMenu *menu = m_metricButton->menu();
    menu->clear();
    QAction *automatic = menu->addAction(tr("Headline metrics (automatic)"));
    automatic->setCheckable(true);
    automatic->setChecked(m_chosenMetrics.isEmpty());
    connect(automatic, &QAction::triggered, this, [this] {
        m_chosenMetrics.clear();
        QSettings().remove(kMetricColumnsKey);
        applyMetricColumns();
    });
    const QStringList available = m_versions->availableMetricKeys();
    if (!available.isEmpty())
        menu->addSection(tr("Metrics of the source runs"));
    const QStringList shown = m_versions->metricKeys();
    for (const QString &key : available) {
        QAction *action = menu->addAction(key);
        action->setCheckable(true);
        action->setChecked(shown.contains(key));
        connect(action, &QAction::toggled, this, [this, key](bool on) {
            QStringList keys = m_versions->metricKeys();
            if (on && !keys.contains(key))
                keys.append(key);
            else if (!on)
                keys.removeAll(key);
            m_chosenMetrics = keys;
            if (keys.isEmpty())
                QSettings().remove(kMetricColumnsKey);
            else
                QSettings().setValue(kMetricColumnsKey, keys);
            applyMetricColumns();
        });
    }
}

void RegistryPanel::updateTargets()
{
    m_actions->setTargets(m_detail, selectedVersions());
    updateStatus();
}

void RegistryPanel::updateHeader()
{
    const QString name = m_detail.model.name;
    m_title->setText(name);
    m_description->setText(m_detail.model.description);
    m_description->setVisible(!m_detail.model.description.isEmpty());
    QStringList aliases;
    for (const registry::ModelAlias &alias : std::as_const(m_detail.model.aliases))
        aliases << QStringLiteral("@%1 → v%2").arg(alias.alias).arg(alias.version);
    m_aliases->setText(aliases.join(QStringLiteral("   ")));
}

void RegistryPanel::updateStatus()
{
    QStringList modelParts;
    if (m_modelsKnown) {
        const int all = m_models->rowCount();
        const int shown = m_filteredModels->rowCount();
        if (shown < all)
            modelParts << tr("%1 of %2 models").arg(shown).arg(all);
        else
            modelParts << (all == 1 ? tr("1 model") : tr("%1 models").arg(all));
    }
    m_modelCount->setText(modelParts.join(QStringLiteral(" · ")));

    QStringList parts;
    if (!m_loadError.isEmpty()) {
        parts << tr("Could not load the registry: %1").arg(m_loadError);
    } else if (!m_detailKnown && !m_detail.model.name.isEmpty()) {
        parts << tr("Loading versions…");
    } else if (m_detailKnown) {
        const int count = m_versions->rowCount();
        parts << (count == 1 ? tr("1 version") : tr("%1 versions").arg(count));
        const int selected = int(selectedVersions().size());
        if (selected > 1)
            parts << tr("%1 selected").arg(selected);
        if (!m_lastWrite.isEmpty())
            parts << m_lastWrite;
    }
    m_status->setText(parts.join(QStringLiteral(" · ")));
}

void RegistryPanel::updateEmptyState()
{
    QString html;
    if (!m_attached) {
        html = QStringLiteral("<p>%1</p>").arg(tr("No workspace is open.").toHtmlEscaped());
    } else if (!m_modelsKnown) {
        html = QStringLiteral("<p>%1</p>")
                   .arg((m_loadError.isEmpty()
                             ? tr("Loading the registry…")
                             : tr("Could not load the registry: %1").arg(m_loadError))
                            .toHtmlEscaped());
    } else if (m_models->rowCount() == 0) {
        html = QStringLiteral("<h3>%1</h3><p>%2</p><p>%3</p>")
                   .arg(tr("No registered models yet").toHtmlEscaped(),
                        tr("A registered model keeps versions of one model: each a copy of a "
                           "run's model files, with a stage (None, Staging, Production, "
                           "Archived), aliases such as champion and a history of who moved it "
                           "and why.")
                            .toHtmlEscaped(),
                        tr("Versions registered from runs show up here within a second.")
                            .toHtmlEscaped());
    }
    if (html.isEmpty()) {
        m_pages->setCurrentIndex(DetailPage);
        return;
    }
    m_emptyState->setText(html);
    m_pages->setCurrentIndex(EmptyPage);
}

void RegistryPanel::updateColours()
{
    m_error->setPalette(errorPalette(palette()));
}

void RegistryPanel::showError(const QString &message)
{
    m_error->setText(QStringLiteral("<b>%1</b> %2 &nbsp;<a href=\"dismiss\">%3</a>")
                         .arg(tr("Not done:"), message.toHtmlEscaped(), tr("Dismiss")));
    m_error->show();
}

} // namespace millrace::ui
