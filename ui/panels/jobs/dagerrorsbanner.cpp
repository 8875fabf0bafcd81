#include "ui/panels/jobs/dagerrorsbanner.h"

#include "ui/panels/errorpalette.h"

#include <QApplication>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QSet>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {
constexpr int kMostRowsShown = 4;
} // namespace

DagErrorsBanner::DagErrorsBanner(QWidget *parent)
    : QFrame(parent), m_heading(new QLabel), m_list(new QListWidget)
{
    setObjectName(QStringLiteral("dagErrors"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    m_heading->setObjectName(QStringLiteral("dagErrorsHeading"));
    QFont bold = m_heading->font();
    bold.setBold(true);
    m_heading->setFont(bold);
    m_list->setObjectName(QStringLiteral("dagErrorList"));
    m_list->setFrameShape(QFrame::NoFrame);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->setSpacing(2);
    layout->addWidget(m_heading);
    layout->addWidget(m_list);
    updateColours(QApplication::palette());
    hide();
}

void DagErrorsBanner::setErrors(const QList<scheduler::DagFileError> &errors)
{
    m_list->clear();
    QSet<QString> files;
    for (const scheduler::DagFileError &error : errors) {
        files.insert(error.file);
        auto *item = new QListWidgetItem(error.toString(), m_list);
        item->setToolTip(error.file);
    }
    m_heading->setText(tr("%n DAG file(s) could not be loaded; fix and save to reload:", nullptr,
                          int(files.size())));
    const int rows = qMin(kMostRowsShown, int(errors.size()));
    m_list->setFixedHeight(rows * m_list->fontMetrics().height() + 2 * rows + 6);
    setVisible(!errors.isEmpty());
}

QStringList DagErrorsBanner::lines() const
{
    QStringList lines;
    for (int row = 0; row < m_list->count(); ++row)
        lines.append(m_list->item(row)->text());
    return lines;
}

void DagErrorsBanner::updateColours(const QPalette &base)
{
    const QPalette red = errorPalette(base);
    setPalette(red);
    QPalette list = red;
    list.setColor(QPalette::Base, red.color(QPalette::Window));
    m_list->setPalette(list);
}

} // namespace millrace::ui
