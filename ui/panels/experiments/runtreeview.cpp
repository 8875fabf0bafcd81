#include "ui/panels/experiments/runtreeview.h"

#include "ui/panels/experiments/rungroupmodel.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QHeaderView>
#include <QItemSelection>
#include <QStyledItemDelegate>

namespace millrace::ui {

namespace {

const QString kRunPrefix = QStringLiteral("run:");
const QString kGroupPrefix = QStringLiteral("group:");

// Rows as tall as the table's were (text height plus padding), so flat runs read the same as
// before the table became a tree.
class RowHeightDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        size.setHeight(qMax(size.height(), option.fontMetrics.height() + 8));
        return size;
    }
};

} // namespace

RunTreeView::RunTreeView(QWidget *parent) : QTreeView(parent)
{
    setItemDelegate(new RowHeightDelegate(this));
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setAllColumnsShowFocus(true);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setWordWrap(false);
    setAlternatingRowColors(true);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    header()->setSectionsMovable(false);
    // Fitting a column to its contents measures the rows on screen and this many more; the
    // default 1,000 costs about 10 ms per column in a table of thousands of runs.
    header()->setResizeContentsPrecision(200);

    // The user's closing of a group is remembered by its value, so it stays closed through
    // reloads and re-sorts; a new group opens.
    connect(this, &QTreeView::collapsed, this, [this](const QModelIndex &index) {
        m_closedGroups.insert(index.data(RunGroupModel::GroupIdRole).toString());
    });
    connect(this, &QTreeView::expanded, this, [this](const QModelIndex &index) {
        m_closedGroups.remove(index.data(RunGroupModel::GroupIdRole).toString());
    });
}

void RunTreeView::setGroupModel(RunGroupModel *model)
{
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    setModel(model);
    if (!model)
        return;
    connect(model, &QAbstractItemModel::rowsInserted, this, &RunTreeView::openNewGroups);
    connect(model, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
        m_selectionBeforeReset = selectedRowNames();
        m_currentBeforeReset = rowName(currentIndex());
    });
    connect(model, &QAbstractItemModel::modelReset, this, &RunTreeView::afterReset);
    afterReset();
}

QString RunTreeView::rowName(const QModelIndex &index) const
{
    if (!index.isValid() || !m_model)
        return QString();
    if (m_model->isGroup(index))
        return kGroupPrefix + index.data(RunGroupModel::GroupIdRole).toString();
    return kRunPrefix + index.data(RunTableModel::RunIdRole).toString();
}

QStringList RunTreeView::selectedRunIdsInOrder() const
{
    if (!m_model)
        return {};
    const QItemSelectionModel *selection = selectionModel();
    QStringList ids;
    QSet<QString> seen;
    auto add = [&](const QString &id) {
        if (!seen.contains(id)) {
            seen.insert(id);
            ids.append(id);
        }
    };
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QModelIndex top = m_model->index(row, 0);
        const bool topSelected = selection->isRowSelected(row, QModelIndex());
        if (!m_model->isGroup(top)) {
            if (topSelected)
                add(top.data(RunTableModel::RunIdRole).toString());
            continue;
        }
        for (int child = 0; child < m_model->rowCount(top); ++child) {
            if (topSelected || selection->isRowSelected(child, top))
                add(m_model->index(child, 0, top).data(RunTableModel::RunIdRole).toString());
        }
    }
    return ids;
}

QSet<QString> RunTreeView::selectedRowNames() const
{
    QSet<QString> names;
    if (!selectionModel())
        return names;
    for (const QModelIndex &index : selectionModel()->selectedRows())
        names.insert(rowName(index));
    return names;
}

void RunTreeView::selectRows(const QSet<QString> &names)
{
    if (!m_model)
        return;
    QItemSelection selection;
    const int lastColumn = m_model->columnCount() - 1;
    auto consider = [&](const QModelIndex &first) {
        if (names.contains(rowName(first)))
            selection.select(first, first.siblingAtColumn(lastColumn));
    };
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QModelIndex top = m_model->index(row, 0);
        consider(top);
        for (int child = 0; child < m_model->rowCount(top); ++child)
            consider(m_model->index(child, 0, top));
    }
    selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
}

void RunTreeView::openNewGroups(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid() || !m_model->isGrouped())
        return;
    for (int row = first; row <= last; ++row) {
        const QModelIndex group = m_model->index(row, 0);
        if (!m_closedGroups.contains(group.data(RunGroupModel::GroupIdRole).toString()))
            expand(group);
    }
}

void RunTreeView::afterReset()
{
    if (m_model->groupKey() != m_groupKey) {
        // Closed groups of another param mean nothing for this one.
        m_groupKey = m_model->groupKey();
        m_closedGroups.clear();
    }
    // Branch arrows only when there is something to open.
    setRootIsDecorated(m_model->isGrouped());
    const QSet<QString> closed = m_closedGroups;
    if (m_model->rowCount() > 0)
        openNewGroups(QModelIndex(), 0, m_model->rowCount() - 1);
    m_closedGroups = closed;
    if (!m_selectionBeforeReset.isEmpty())
        selectRows(m_selectionBeforeReset);
    if (!m_currentBeforeReset.isEmpty()) {
        // The current run keeps its place; if its group is gone, nothing is current.
        for (int row = 0; row < m_model->rowCount(); ++row) {
            const QModelIndex top = m_model->index(row, 0);
            const int children = m_model->rowCount(top);
            for (int child = -1; child < children; ++child) {
                const QModelIndex index = child < 0 ? top : m_model->index(child, 0, top);
                if (rowName(index) == m_currentBeforeReset) {
                    selectionModel()->setCurrentIndex(index, QItemSelectionModel::NoUpdate);
                    scrollTo(index);
                    row = m_model->rowCount();
                    break;
                }
            }
        }
    }
    m_selectionBeforeReset.clear();
    m_currentBeforeReset.clear();
    if (m_model->isGrouped()) {
        // Group labels ("lr = 0.001 · 12 runs") are longer than most run names.
        const int wanted = qMin(sizeHintForColumn(0) + 8, 360);
        if (columnWidth(0) < wanted)
            setColumnWidth(0, wanted);
    }
}

} // namespace millrace::ui
