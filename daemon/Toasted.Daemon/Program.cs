System.Console.WriteLine("toasted");
