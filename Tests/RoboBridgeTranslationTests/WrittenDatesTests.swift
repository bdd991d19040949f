import RoboBridgeTranslation
import Testing

/// Dates and times the request writes, in the format a parameter's description names.
@Suite("Written dates")
struct WrittenDatesTests {
    @Test func datesInWordsAndDigitsTakeTheNamedFormat() {
        #expect(WrittenDates.format(in: "The date, in the format 'YYYY-MM-DD'.") == "YYYY-MM-DD")
        #expect(WrittenDates.format(in: "Departure, formatted as dd/mm/yyyy HH:MM") == "DD/MM/YYYY HH:MM")
        #expect(WrittenDates.format(in: "The city name") == nil)
        #expect(WrittenDates.values("the forecast for New York on March 8th, 2023?", format: "YYYY-MM-DD") == ["2023-03-08"])
        #expect(WrittenDates.values("in Healdsburg on the 2nd of march 2023", format: "YYYY-MM-DD") == ["2023-03-02"])
        #expect(WrittenDates.values("a flight on the 16th of March 2024", format: "DD/MM/YYYY") == ["16/03/2024"])
        #expect(WrittenDates.values("from 2024-05-02 to 5 June 2024", format: "MM/DD/YYYY") == ["05/02/2024", "06/05/2024"])
        // A time said with the date, for a format with one; a time alone for HH:MM.
        #expect(WrittenDates.values("on the 20th of June 2022 at 5 in the afternoon", format: "DD/MM/YYYY HH:MM") == ["20/06/2022 17:00"])
        #expect(WrittenDates.values("something that leaves around 14:00", format: "HH:MM") == ["14:00"])
        #expect(WrittenDates.values("at 7:30 pm", format: "HH:MM") == ["19:30"])
    }

    @Test func nothingIsAssumed() {
        // No year, no date; a bare number is no time; a date format takes no lone time.
        #expect(WrittenDates.values("on March 8th", format: "YYYY-MM-DD").isEmpty)
        #expect(WrittenDates.values("wait 5 minutes", format: "HH:MM").isEmpty)
        #expect(WrittenDates.values("at 5 pm", format: "YYYY-MM-DD").isEmpty)
        #expect(WrittenDates.values("on the 31st of Smarch 2023", format: "YYYY-MM-DD").isEmpty)
    }
}
