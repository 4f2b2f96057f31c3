"""Words too common to name what a follower asked about (dropped when grouping misses).

A short list of Chinese function words and chat filler, plus English ones; numbers,
punctuation and single characters are dropped by `keywords.misses` itself.
"""

from __future__ import annotations

# Kept as text: a word list reads best as words, not as hundreds of quoted items.
_WORDS = """
的 了 吗 呢 吧 啊 呀 哦 噢 嗯 哈 哈哈 么 嘛 啦 哇 喔 诶 欸
我 你 您 他 她 它 我们 你们 他们 她们 咱们 大家 自己 人家
这 那 这个 那个 这些 那些 这里 那里 这儿 那儿 这样 那样 这么 那么 哪 哪个 哪里 哪儿
是 有 在 和 与 及 或 或者 还是 就 都 也 还 又 才 只 很 太 最 更 挺 非常 比较
一 一个 一下 一些 一点 有点 有些 个 位 些 点 下 上 中 里 去 来 到 给 把 被 让 从 对 向 跟 为
能 能不能 可以 可不可以 会 要 想 想要 需要 应该 得 地 着 过 没 没有 不 不是 别
请问 请 问 问下 问一下 想问 想问下 想问一下 麻烦 谢谢 谢了 感谢
你好 您好 在吗 在不在 好的 好 嗯嗯 哦哦 多久
什么 怎么 怎么样 怎样 为什么 多少 几 如何 哪些 是不是 有没有
现在 今天 明天 昨天 时候 一直 已经 刚才 刚刚 然后 但是 可是 因为 所以 如果 就是
the a an and or to of in on for is are was be it this that i you we my me do
can how what please hi hello ok thanks
"""

STOP_WORDS = frozenset(_WORDS.split())
