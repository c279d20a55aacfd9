# Kazakh date and number formats (Django ships none for "kk").
# Kazakh writes dates day-first with dots, as in "26.11.2026", and long dates
# year-first: "2026 жылғы 26 қараша".
DATE_FORMAT = "Y \\ж\\ы\\л\\ғ\\ы j E"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y \\ж\\ы\\л\\ғ\\ы j E, H:i"
YEAR_MONTH_FORMAT = "Y \\ж\\ы\\л\\ғ\\ы F"
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
