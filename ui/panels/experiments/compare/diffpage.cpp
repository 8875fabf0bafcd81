#include "ui/panels/experiments/compare/diffpage.h"

#include "ui/panels/experiments/compare/comparediffmodel.h"
#include "ui/panels/experiments/compare/tableexport.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

// Tints the rows whose values differ between runs with a share of the highlight colour, so the
// tint follows light and dark palettes.
class DiffDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (!index.data(CompareDiffModel::DiffersRole).toBool())
            return;
        QColor tint = option->palette.color(QPalette::Highlight);
        tint.setAlphaF(0.18f);
        option->backgroundBrush = tint;
    }
};

} // namespace

DiffPage::DiffPage(QWidget *parent)
    : ComparePage(parent), m_model(new CompareDiffModel(this)),
      m_onlyDifferences(new QCheckBox(tr("Only differences"))), m_note(new QLabel),
      m_table(new QTableView)
{
    m_onlyDifferences->setObjectName(QStringLiteral("diffOnlyDifferences"));
    m_note->setForegroundRole(QPalette::PlaceholderText);
    m_table->setObjectName(QStringLiteral("diffTable"));
    m_table->setModel(m_model);
    m_table->setItemDelegate(new DiffDelegate(m_table));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->horizontalHeader()->setDefaultSectionSize(150);
    m_table->verticalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);

    auto *controls = new QHBoxLayout;
    controls->setContentsMargins(0, 0, 0, 0);
    controls->addWidget(m_onlyDifferences);
    controls->addWidget(m_note, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_table, 1);

    connect(m_onlyDifferences, &QCheckBox::toggled, this, [this](bool only) {
        m_model->setOnlyDifferences(only);
        updateNote();
    });
}

void DiffPage::setRunSet(const CompareRunSet &runs)
{
    m_model->setRuns(runs.runs);
    updateNote();
    Q_EMIT updated();
}

void DiffPage::setOnlyDifferences(bool only)
{
    m_onlyDifferences->setChecked(only);
}

void DiffPage::updateNote()
{
    const int differing = m_model->differingRowCount();
    m_note->setText(
        m_model->columnCount() < 2
            ? tr("Select two or more runs to see what differs.")
            : (differing == 1 ? tr("1 row differs") : tr("%1 rows differ").arg(differing)));
}

QWidget *DiffPage::exportTarget()
{
    return m_table;
}

QList<QStringList> DiffPage::dataRows() const
{
    return modelRows(*m_model, true);
}

} // namespace millrace::ui
