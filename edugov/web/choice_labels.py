"""Marks the registry's plain-string labels for translation.

``registry.choices`` and ``registry.rules.class_size`` keep their labels as plain Chinese
strings (imports match spreadsheet cells against them, and rules import no Django), so
makemessages cannot see them. Listing them here puts them in the catalog (``_`` is
gettext_noop: it marks, it does not translate); pages translate them at display time with
the ``label`` filter (web_tags) or ``gettext_lazy(label)``. tests/web/test_i18n.py fails if
a label is added there without being listed, and translated, here.
"""

from django.utils.translation import gettext_noop as _

LABELS = [
    # InstitutionKind
    _("幼儿园"), _("小学"), _("初中"), _("九年一贯制学校"), _("完全中学"), _("高级中学"),
    _("十二年一贯制学校"), _("中等职业学校"), _("特殊教育学校"), _("教学点"),
    # Ownership, Locality, InstitutionStatus
    _("公办"), _("民办"), _("城区"), _("镇区"), _("乡村"),
    _("正常办学"), _("停办"), _("撤销"),
    # Rating
    _("未定级"), _("省级示范/一级"), _("市级示范/二级"), _("县级/三级"),
    # Sex, HukouType
    _("男"), _("女"), _("本地"), _("随迁"),
    # Grade
    _("小班"), _("中班"), _("大班"), _("一年级"), _("二年级"), _("三年级"), _("四年级"),
    _("五年级"), _("六年级"), _("七年级"), _("八年级"), _("九年级"), _("高一"), _("高二"),
    _("高三"),
    # EnrolmentStatus
    _("在读"), _("转出"), _("休学"), _("毕业"),
    # Education
    _("研究生"), _("本科"), _("专科"), _("高中及以下"),
    # Title
    _("正高级教师"), _("高级教师"), _("一级教师"), _("二级教师"), _("三级教师"), _("未评"),
    # BackboneLevel
    _("无"), _("县级"), _("市级"), _("省级"),
    # Establishment
    _("在编"), _("合同制"), _("临时聘用"),
    # Post
    _("校长/园长"), _("专任教师"), _("行政人员"), _("教辅人员"), _("工勤人员"), _("保育员"),
    # Subject
    _("语文"), _("数学"), _("英语"), _("物理"), _("化学"), _("生物"), _("历史"), _("地理"),
    _("道德与法治/思想政治"), _("体育与健康"), _("音乐"), _("美术"), _("科学"), _("信息技术"),
    _("学前教育"), _("专业课"), _("特殊教育"), _("其他"),
    # GroupKind
    _("紧密型"), _("松散型"),
    # Term numbers (registry.models.Term)
    _("第一学期"), _("第二学期"),
    # Class-size bands (registry.rules.class_size)
    _("超过45人"), _("超过50人"), _("56人及以上（大班额）"), _("66人及以上（超大班额）"),
]
