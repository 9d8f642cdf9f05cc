"""Word lists for invented names of people, places and schools (none refers to a real one)."""

from __future__ import annotations

import random

#: Common surnames, most frequent first; weights fall off with rank like real frequencies.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_BOY = ("浩宇轩泽子睿博文俊明杰涛航晨辰凯鹏磊鑫昊然天佑一鸣"
             "梓铭瑞思远嘉乐豪伟诚毅恒旭阳宸煜彬奕哲")
GIVEN_GIRL = ("欣怡涵诗雨萱佳琪可馨悦若彤思语晴雅婷静妍梦瑶"
              "蕾琳芳婉安心颖欢月桐舒菲紫瑾露晗玥蓉")
GIVEN_MAN = "伟强磊军洋勇杰涛明超刚平辉鹏华飞斌波宁峰建国志文新海林东亮成兵军红春立德"
GIVEN_WOMAN = "芳娜敏静丽艳娟霞燕玲红梅琳萍莉洁慧颖琴云英华秀兰丹倩雪玉凤晶彩春桂珍"

#: Syllables for invented place names: first + second, e.g. 澄川, 栖塘.
PLACE_FIRST = "云澄岚栖沁霁汀枫桐溪湄茗苇璞琅珂洵澜渚棠椿檀荻蔚芷蘅杉樾榆"
PLACE_SECOND = "川湖岭泽源江州阳宁安丰和塘湾屿坪峪台陵渡滨埠桥岗田"
ROAD_WORDS = ("光明", "振兴", "人民", "建设", "文化", "解放", "和平", "新华", "朝阳", "学府",
              "公园", "滨江", "望湖", "春晖", "育才", "青年", "长乐", "幸福")
ROAD_KINDS = ("路", "街", "大道")
KINDERGARTEN_BRANDS = ("阳光", "蓝天", "童心", "彩虹", "启智", "博雅", "小太阳", "小天使", "七彩",
                       "星辰", "晨曦", "贝贝", "金色童年", "快乐宝贝", "爱心", "蒲公英", "向日葵",
                       "未来星", "小精灵", "春芽")
SCHOOL_BRANDS = ("育才", "明德", "英才", "博文", "致远", "弘毅", "知行", "启明", "求真", "新星")
VOCATIONAL_MAJORS = ("计算机应用", "机电技术应用", "电子商务", "汽车运用与维修", "会计事务",
                     "幼儿保育", "数控技术应用", "旅游服务与管理", "护理", "中餐烹饪")
CHINESE_NUMERALS = "零一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1–999 in Chinese numerals (十一, 二十三, 一百零五): ordinals of schools and classes."""
    if n >= 100:
        hundreds, rest = divmod(n, 100)
        tail = "" if rest == 0 else ("零" if rest < 10 else "") + _below_hundred(rest, True)
        return f"{CHINESE_NUMERALS[hundreds]}百{tail}"
    return _below_hundred(n, False)


def _below_hundred(n: int, after_hundred: bool) -> str:
    if n <= 10 and not (after_hundred and n == 10):
        return CHINESE_NUMERALS[n]
    tens, ones = divmod(n, 10)
    # 十一 alone, but 一百一十一 after a hundreds digit.
    head = "" if tens == 1 and not after_hundred else CHINESE_NUMERALS[tens]
    return f"{head}十{CHINESE_NUMERALS[ones] if ones else ''}"


def weighted_pool(items: str, bias: int = 6) -> list[str]:
    """Repeat each item by a falling weight so ``rng.choice`` draws by frequency quickly."""
    count = len(items)
    return [item for rank, item in enumerate(items) for _ in range((count - rank) // bias + 1)]


SURNAME_POOL = weighted_pool(SURNAMES)


class PlaceNames:
    """Invented two-syllable place names, unique within one build."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def take(self) -> str:
        attempts = 0
        while True:
            # Two syllables give ~800 names; a crowded scope moves on to three.
            extra = self.rng.choice(PLACE_FIRST) if attempts > 40 else ""
            name = self.rng.choice(PLACE_FIRST) + extra + self.rng.choice(PLACE_SECOND)
            if name not in self.used:
                self.used.add(name)
                return name
            attempts += 1

    def road(self) -> str:
        return self.rng.choice(ROAD_WORDS) + self.rng.choice(ROAD_KINDS)
